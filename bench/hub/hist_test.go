package main

import (
	"testing"
	"time"
)

func TestHistQuantile(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {0, time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tt.q)
		if d := float64(got-tt.want) / float64(tt.want); d < -0.04 || d > 0.04 {
			t.Errorf("quantile(%v) = %v; want %v within 4%%", tt.q, got, tt.want)
		}
	}
	if h.count() != 1000 || h.maximum() != time.Second {
		t.Errorf("count %d, max %v; want 1000, 1s", h.count(), h.maximum())
	}
	var empty hist
	if q := empty.quantile(0.5); q != 0 {
		t.Errorf("empty quantile = %v; want 0", q)
	}
}

func TestBucketMonotonic(t *testing.T) {
	last := -1
	for ns := uint64(0); ns < 1<<20; ns += 7 {
		b := bucket(ns)
		if b < last || lowest(b) > time.Duration(ns) || (b+1 < numBuckets && lowest(b+1) <= time.Duration(ns)) {
			t.Fatalf("bucket(%d) = %d (lowest %v, next %v); last %d", ns, b, lowest(b), lowest(b+1), last)
		}
		last = b
	}
}
