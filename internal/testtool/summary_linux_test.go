package testtool

import (
	"os"
	"testing"
)

func TestParentOf(t *testing.T) {
	if got, want := parentOf(os.Getpid()), os.Getppid(); got != want {
		t.Errorf("parentOf(self) = %d; want %d", got, want)
	}
	if got := parentOf(-1); got != 0 {
		t.Errorf("parentOf(-1) = %d; want 0", got)
	}
}
