//go:build !race

package httpmsg

import "testing"

// The race detector's instrumentation moves values to the heap: the
// counts below hold without it.

// TestNewRequestAllocs pins the allocations of a browser's GET: the
// Header map and its table, the values array, the joined cookie, the
// URL and the Request (with its context). A field name outside the
// common table adds its canonical key.
func TestNewRequestAllocs(t *testing.T) {
	fs := browserGET()
	if a := testing.AllocsPerRun(100, func() { NewRequest(ctx, HTTP2, fs, nv) }); a > 6 {
		t.Errorf("NewRequest: %v allocations; want at most 6", a)
	}
}
