package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// A hist counts latencies in log-linear buckets (within 1/32, ~3%), safe
// for concurrent Record: members on many goroutines record into one.
type hist struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

const (
	subBits    = 5
	subBuckets = 1 << subBits
	maxExp     = 40 // 2^40 ns, ~18 minutes
	numBuckets = (maxExp + 1) * subBuckets
)

func bucket(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	e := bits.Len64(ns) - subBits - 1
	return min((e+1)*subBuckets+int(ns>>e)-subBuckets, numBuckets-1)
}

// lowest is the smallest value bucket i holds.
func lowest(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	e := i/subBuckets - 1
	return time.Duration(uint64(i%subBuckets+subBuckets) << e)
}

func (h *hist) record(d time.Duration) {
	d = max(d, 0)
	h.counts[bucket(uint64(d))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the latency below which q of the records fall (the
// middle of its bucket), 0 when there are none.
func (h *hist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n-1)) + 1
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			if i+1 < numBuckets {
				return (lowest(i) + lowest(i+1)) / 2
			}
			return lowest(i)
		}
	}
	return time.Duration(h.max.Load())
}

func (h *hist) count() uint64          { return h.n.Load() }
func (h *hist) maximum() time.Duration { return time.Duration(h.max.Load()) }

// A window records into the current second's hist and, for messages
// published since from, the run's total; next starts a new second and
// returns the one that ended.
type window struct {
	cur   atomic.Pointer[hist]
	total hist
	from  atomic.Int64 // UnixNano; 0 counts nothing in total yet
}

func newWindow() *window {
	w := new(window)
	w.cur.Store(new(hist))
	return w
}

// record records d, the latency of a message published at pub (UnixNano).
func (w *window) record(d time.Duration, pub int64) {
	w.cur.Load().record(d)
	if from := w.from.Load(); from != 0 && pub >= from {
		w.total.record(d)
	}
}

func (w *window) next() *hist { return w.cur.Swap(new(hist)) }
