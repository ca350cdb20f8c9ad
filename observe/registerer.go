package observe

import "github.com/prometheus/client_golang/prometheus"

// Registerer is m's registry, for metrics kept outside this package, such
// as the proxy's upstreams: they are served on /metrics with the others.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }
