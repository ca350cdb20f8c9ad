package load

import (
	"math/bits"
	"time"
)

// subBuckets per power of two: values are kept within 1/64 (~1.6%).
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxExp     = 40 // 2^40ns ~ 18 minutes; longer latencies share the last bucket
	numBuckets = (maxExp + 1) * subBuckets
)

// A Histogram counts durations in log-linear buckets, HDR-style: fixed size,
// no allocation per Record, mergeable. The zero value is ready to use.
type Histogram struct {
	counts [numBuckets]uint32
	n      uint64
	min    time.Duration
	max    time.Duration
	sum    time.Duration
}

// bucket maps ns to its bucket index.
func bucket(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	e := bits.Len64(ns) - subBits - 1 // ns>>e is in [64, 128)
	i := (e+1)*subBuckets + int(ns>>e) - subBuckets
	if i >= numBuckets {
		return numBuckets - 1
	}
	return i
}

// lowest is the smallest value in bucket i.
func lowest(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	e := i/subBuckets - 1
	return time.Duration(uint64(i%subBuckets+subBuckets) << e)
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded duration, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is the average recorded duration, 0 if none.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the duration below which a fraction q (0..1) of the
// recorded durations fall, to the histogram's precision, never above Max.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank >= h.n {
		return h.max
	}
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			return min(max(lowest(i), h.min), h.max)
		}
	}
	return h.max
}
