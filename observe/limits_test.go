package observe_test

import (
	"testing"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
)

// limitHits reads trio_limit_hits_total{limit=limit}, and whether the
// series exists.
func limitHits(t *testing.T, m *observe.Metrics, limit string) (float64, bool) {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "trio_limit_hits_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "limit" && lp.GetValue() == limit {
					return mt.GetCounter().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func TestLimitHits(t *testing.T) {
	m := observe.NewMetrics()
	if v, ok := limitHits(t, m, trio.LimitMaxConnsPerIP); !ok || v != 0 {
		t.Errorf("before any hit: max_conns_per_ip = %v (present %v); want 0, present", v, ok)
	}
	var o trio.Observer = m
	lo, ok := o.(trio.LimitObserver)
	if !ok {
		t.Fatal("*observe.Metrics is not a trio.LimitObserver")
	}
	lo.LimitHit(trio.LimitMaxConnsPerIP)
	lo.LimitHit(trio.LimitMaxConnsPerIP)
	lo.LimitHit("max_header_fields")
	if v, _ := limitHits(t, m, trio.LimitMaxConnsPerIP); v != 2 {
		t.Errorf("max_conns_per_ip = %v; want 2", v)
	}
	if v, _ := limitHits(t, m, "max_header_fields"); v != 1 {
		t.Errorf("max_header_fields = %v; want 1", v)
	}
}
