package observe

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

var _ trio.LimitObserver = (*Metrics)(nil)

// knownLimits are the limit label values trio_limit_hits_total starts
// with at zero, so that a rate over them is defined before the first hit.
// Other names are added at their first hit.
var knownLimits = []string{
	trio.LimitMaxConns, trio.LimitMaxConnsPerIP, trio.LimitMaxHandshakes, trio.LimitFDs,
	h3.LimitRetryHandshakes, h3.LimitRetryHandshakesPerIP, h3.LimitMaxStreams,
	h1.LimitHeaderFields, h1.LimitHeaderTime, h1.LimitBodyBytes, h1.LimitBodyTime,
	h2.LimitPrefaceTime, h2.LimitEnhanceYourCalm,
}

// newLimitHits makes trio_limit_hits_total.
func newLimitHits() *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trio_limit_hits_total",
		Help: "Clients refused (or connections closed) for exceeding a limit, by limit: the [limits] key, or fd_limit when accept ran out of file descriptors.",
	}, []string{"limit"})
	for _, l := range knownLimits {
		v.WithLabelValues(l)
	}
	return v
}

// LimitHit implements trio.LimitObserver: it counts one hit of limit.
func (m *Metrics) LimitHit(limit string) { m.limitHits.WithLabelValues(limit).Inc() }
