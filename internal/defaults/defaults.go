// Package defaults applies trio's rule for config fields: zero means the
// default, and for durations a negative value means "never" (0 to the
// library underneath).
package defaults

import "time"

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
