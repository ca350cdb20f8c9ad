package observe_test

import (
	"testing"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
)

// memoryReturned reads trio_memory_returned_bytes_total, and whether it
// exists.
func memoryReturned(t *testing.T, m *observe.Metrics) (float64, bool) {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "trio_memory_returned_bytes_total" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue(), true
		}
	}
	return 0, false
}

func TestMemoryReturned(t *testing.T) {
	m := observe.NewMetrics()
	if v, ok := memoryReturned(t, m); !ok || v != 0 {
		t.Errorf("before any return: %v (present %v); want 0, present", v, ok)
	}
	var o trio.Observer = m
	mo, ok := o.(trio.MemoryObserver)
	if !ok {
		t.Fatal("*observe.Metrics is not a trio.MemoryObserver")
	}
	mo.MemoryReturned(100 << 20)
	mo.MemoryReturned(5 << 20)
	if v, _ := memoryReturned(t, m); v != 105<<20 {
		t.Errorf("trio_memory_returned_bytes_total = %v; want %v", v, 105<<20)
	}
}
