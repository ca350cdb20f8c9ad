package gotool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPath builds h2spec from go.mod's tool directive (the first call may
// take a few seconds), and remembers the answer.
func TestPath(t *testing.T) {
	p, err := Path("h2spec")
	if err != nil {
		t.Fatalf("Path(h2spec): %v", err)
	}
	if filepath.Base(p) != "h2spec" {
		t.Errorf("Path(h2spec) = %q; want a file named h2spec", p)
	}
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("Path(h2spec) = %q: not an executable: %v", p, err)
	}
	if p2, _ := Path("h2spec"); p2 != p {
		t.Errorf("second Path(h2spec) = %q; want %q", p2, p)
	}
}

func TestPathUnknown(t *testing.T) {
	_, err := Path("trio-no-such-tool")
	if err == nil || !strings.Contains(err.Error(), "no such tool") {
		t.Errorf("Path(trio-no-such-tool) error = %v; want go's \"no such tool\"", err)
	}
}
