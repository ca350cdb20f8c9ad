package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The metrics of the upstreams, labelled by route (the pool's name) and
// upstream (its URL as written in the configuration).
var (
	descState = prometheus.NewDesc("trio_upstream_state",
		"1 for the state each upstream is in (healthy, draining or down), 0 for the others.",
		[]string{"route", "upstream", "state"}, nil)
	descRequests = prometheus.NewDesc("trio_upstream_requests_in_flight",
		"HTTP requests in flight to each upstream, WebSockets not included.",
		[]string{"route", "upstream"}, nil)
	descSockets = prometheus.NewDesc("trio_upstream_websockets_open",
		"WebSockets open through the proxy to each upstream.",
		[]string{"route", "upstream"}, nil)
	descDrained = prometheus.NewDesc("trio_upstream_websockets_drained_total",
		"WebSockets closed with 1012 (Service Restart) because their upstream was removed or went down.",
		[]string{"route", "upstream"}, nil)
	descChecks = prometheus.NewDesc("trio_upstream_health_checks_total",
		"Active health checks of each upstream by result (ok or failed).",
		[]string{"route", "upstream", "result"}, nil)
)

var states = [...]State{Healthy, Draining, Down}

// Describe implements prometheus.Collector: s reports the upstreams of its
// pools as they are at each scrape, so one registration serves every
// configuration it stages.
func (s *Pools) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descState, descRequests, descSockets, descDrained, descChecks} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Pools) Collect(ch chan<- prometheus.Metric) {
	seen := map[[2]string]bool{}
	for _, p := range s.All() {
		for _, u := range p.Upstreams() {
			k := [2]string{p.name, u.raw}
			if seen[k] {
				continue // a route removed and added back while its old pool drains
			}
			seen[k] = true
			collect(ch, p.name, u)
		}
	}
}

func collect(ch chan<- prometheus.Metric, route string, u *Upstream) {
	cur := u.State()
	for _, st := range states {
		v := 0.0
		if st == cur {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, v, route, u.raw, st.String())
	}
	ch <- prometheus.MustNewConstMetric(descRequests, prometheus.GaugeValue, float64(u.httpRequests()), route, u.raw)
	ch <- prometheus.MustNewConstMetric(descSockets, prometheus.GaugeValue, float64(u.sockets.Load()), route, u.raw)
	ch <- prometheus.MustNewConstMetric(descDrained, prometheus.CounterValue, float64(u.drained.Load()), route, u.raw)
	ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(u.checks[1].Load()), route, u.raw, "ok")
	ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(u.checks[0].Load()), route, u.raw, "failed")
}
