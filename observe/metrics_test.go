package observe_test

import (
	"testing"

	"github.com/triohttp/trio/observe"
)

// gaugeValue reads the gauge name{protocol=proto} from m's registry.
func gaugeValue(t *testing.T, m *observe.Metrics, name, proto string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "protocol" && lp.GetValue() == proto {
					return mt.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{protocol=%q}", name, proto)
	return 0
}
