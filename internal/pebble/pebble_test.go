package pebble

import (
	"testing"
)

func TestStart(t *testing.T) {
	s := Start(t, Options{})
	if s.Root(t) == nil {
		t.Fatal("Root = nil")
	}
	if n := s.Orders(); n != 0 {
		t.Errorf("Orders = %d; want 0", n)
	}
}
