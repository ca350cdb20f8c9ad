package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	sample := make([]time.Duration, 10000)
	for i := range sample {
		sample[i] = time.Duration(rng.ExpFloat64() * float64(time.Millisecond))
		h.Record(sample[i])
	}
	slices.Sort(sample)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := sample[int(q*float64(len(sample)))-1]
		got := h.Quantile(q)
		if diff := float64(got-want) / float64(want); diff < -0.02 || diff > 0.02 {
			t.Errorf("Quantile(%v) = %v; want %v within 2%%", q, got, want)
		}
	}
	if h.Max() != sample[len(sample)-1] {
		t.Errorf("Max = %v; want %v", h.Max(), sample[len(sample)-1])
	}
	if got := h.Quantile(1); got != h.Max() {
		t.Errorf("Quantile(1) = %v; want Max %v", got, h.Max())
	}
}

func TestHistogramBuckets(t *testing.T) {
	for _, ns := range []uint64{0, 1, 63, 64, 65, 127, 128, 129, 1000, 1 << 20, 1<<20 + 12345, 1 << 39} {
		i := bucket(ns)
		lo := uint64(lowest(i))
		if lo > ns || ns-lo > ns/subBuckets {
			t.Errorf("bucket(%d) = %d with lowest %d; want within 1/%d below", ns, i, lo, subBuckets)
		}
		if i+1 < numBuckets && uint64(lowest(i+1)) <= ns {
			t.Errorf("bucket(%d) = %d; next bucket starts at %d, not above", ns, i, lowest(i+1))
		}
	}
	if got := bucket(1 << 62); got != numBuckets-1 {
		t.Errorf("bucket(2^62) = %d; want the last, %d", got, numBuckets-1)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{}) // empty: no change
	if m != all {
		t.Errorf("merged histogram differs from one fed everything: count %d max %v mean %v; want %d %v %v",
			m.Count(), m.Max(), m.Mean(), all.Count(), all.Max(), all.Mean())
	}
}

func TestHistogramRecordAllocs(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(100, func() { h.Record(time.Millisecond) }); n != 0 {
		t.Errorf("Record allocates %v times; want 0", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	d := time.Duration(0)
	for b.Loop() {
		d += 997
		h.Record(d)
	}
}
