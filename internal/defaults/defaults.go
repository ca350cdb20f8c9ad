// Package defaults applies trio's rule for config fields: zero means the
// default, and for durations a negative value means "never" (0 to the
// library underneath).
package defaults

import (
	"math"
	"time"
)

// Duration returns def for 0, 0 (none) for a negative d, and d otherwise.
func Duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Or returns def when v is zero, and v otherwise.
func Or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Count returns def for 0, the largest int (no limit) for a negative n,
// and n otherwise: the rule for a limit on how many of something.
func Count(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return math.MaxInt
	}
	return n
}
