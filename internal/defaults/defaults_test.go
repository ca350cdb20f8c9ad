package defaults

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tt := range []struct{ d, def, want time.Duration }{
		{0, time.Minute, time.Minute},
		{-1, time.Minute, 0},
		{time.Second, time.Minute, time.Second},
	} {
		if got := Duration(tt.d, tt.def); got != tt.want {
			t.Errorf("Duration(%v, %v) = %v; want %v", tt.d, tt.def, got, tt.want)
		}
	}
}

func TestOr(t *testing.T) {
	if got := Or(0, 250); got != 250 {
		t.Errorf("Or(0, 250) = %d; want 250", got)
	}
	if got := Or(uint32(7), 250); got != 7 {
		t.Errorf("Or(7, 250) = %d; want 7", got)
	}
	if got := Or("", "trio"); got != "trio" {
		t.Errorf(`Or("", "trio") = %q; want "trio"`, got)
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct{ n, def, want int }{
		{0, 100, 100},
		{-1, 100, math.MaxInt},
		{7, 100, 7},
	} {
		if got := Count(tt.n, tt.def); got != tt.want {
			t.Errorf("Count(%d, %d) = %d; want %d", tt.n, tt.def, got, tt.want)
		}
	}
}
