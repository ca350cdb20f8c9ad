package observe

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/triohttp/trio"
)

// Metrics holds trio's Prometheus metrics in a registry of its own, with
// the Go runtime's and the process's collectors. It implements
// trio.Observer for connections, streams and TLS handshakes; [Handler]
// feeds it the requests. Its methods may be called from many goroutines.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	respBytes *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	series    sync.Map // seriesKey -> *series

	conns      [3]prometheus.Gauge // by protoIndex
	streams    [3]prometheus.Gauge
	websockets [3]prometheus.Gauge
	handshakes *prometheus.CounterVec
	limitHits  *prometheus.CounterVec // see limits.go
	memReturn  prometheus.Counter     // see memory.go

	reloads     *prometheus.CounterVec
	lastReload  prometheus.Gauge
	certExpiry  atomic.Pointer[func() map[string]time.Time]
	certExpDesc *prometheus.Desc
}

var _ trio.Observer = (*Metrics)(nil)

// durationBuckets spans a cached file on loopback to a slow upstream.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewMetrics returns trio's metrics in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	reqLabels := []string{"protocol", "site", "code"}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trio_http_requests_total",
		Help: "HTTP requests served, by protocol, site and status class.",
	}, reqLabels)
	m.respBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trio_http_response_bytes_total",
		Help: "Response body bytes written by handlers, by protocol, site and status class.",
	}, reqLabels)
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "trio_http_request_duration_seconds",
		Help:    "Time from the request's headers to the handler's return, by protocol, site and status class. WebSockets are not observed.",
		Buckets: durationBuckets,
	}, reqLabels)
	connVec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "trio_connections_open",
		Help: "Open client connections by protocol: h1 (TLS and cleartext; a hijacked one, such as a WebSocket, no longer counts), h2 (with h2c) and h3 on trio's engines.",
	}, []string{"protocol"})
	streamVec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "trio_streams_open",
		Help: "Open HTTP/2 and HTTP/3 request streams by protocol, on trio's engines.",
	}, []string{"protocol"})
	wsVec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "trio_websockets_open",
		Help: "Open server WebSocket connections by protocol.",
	}, []string{"protocol"})
	for i, p := range protocols {
		m.conns[i] = connVec.WithLabelValues(string(p))
		m.streams[i] = streamVec.WithLabelValues(string(p))
		m.websockets[i] = wsVec.WithLabelValues(string(p))
	}
	m.handshakes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trio_tls_handshakes_total",
		Help: "TLS handshakes by transport (tcp or quic) and result (ok or failed).",
	}, []string{"transport", "result"})
	for _, t := range []string{"tcp", "quic"} {
		for _, r := range []string{"ok", "failed"} {
			m.handshakes.WithLabelValues(t, r)
		}
	}
	m.limitHits = newLimitHits()
	m.memReturn = newMemoryReturned()
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trio_config_reloads_total",
		Help: "Configuration reloads by result (ok or failed).",
	}, []string{"result"})
	m.reloads.WithLabelValues("ok")
	m.reloads.WithLabelValues("failed")
	m.lastReload = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "trio_config_last_reload_success_timestamp_seconds",
		Help: "When the configuration was last loaded successfully, in Unix seconds.",
	})
	m.lastReload.SetToCurrentTime()
	m.certExpDesc = prometheus.NewDesc("trio_certificate_expiry_timestamp_seconds",
		"When the certificate for a name expires (NotAfter), in Unix seconds.", []string{"name"}, nil)

	m.reg.MustRegister(m.requests, m.respBytes, m.duration, connVec, streamVec, wsVec,
		m.handshakes, m.limitHits, m.memReturn, m.reloads, m.lastReload, certCollector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// protocols are the protocol label values, indexed by protoIndex.
var protocols = [3]trio.Protocol{trio.H1, trio.H2, trio.H3}

func protoIndex(p trio.Protocol) int {
	switch p {
	case trio.H2:
		return 1
	case trio.H3:
		return 2
	}
	return 0
}

// Registry is the registry m's metrics live in, for adding collectors of
// one's own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text or protobuf format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Reloaded counts a configuration reload: err nil means it succeeded and
// also sets the last-success timestamp.
func (m *Metrics) Reloaded(err error) {
	if err != nil {
		m.reloads.WithLabelValues("failed").Inc()
		return
	}
	m.reloads.WithLabelValues("ok").Inc()
	m.lastReload.SetToCurrentTime()
}

// SetCertExpiry sets the function that lists the certificates' names and
// their NotAfter times; it is called at each scrape. nil removes it.
func (m *Metrics) SetCertExpiry(f func() map[string]time.Time) {
	if f == nil {
		m.certExpiry.Store(nil)
		return
	}
	m.certExpiry.Store(&f)
}

// certCollector reports certificate expiry from SetCertExpiry's function.
type certCollector struct{ m *Metrics }

func (c certCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.certExpDesc }

func (c certCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.m.certExpiry.Load()
	if f == nil {
		return
	}
	for name, t := range (*f)() {
		ch <- prometheus.MustNewConstMetric(c.m.certExpDesc, prometheus.GaugeValue,
			float64(t.UnixNano())/1e9, name)
	}
}

// ConnOpened implements trio.Observer.
func (m *Metrics) ConnOpened(p trio.Protocol) { m.conns[protoIndex(p)].Inc() }

// ConnClosed implements trio.Observer.
func (m *Metrics) ConnClosed(p trio.Protocol) { m.conns[protoIndex(p)].Dec() }

// StreamOpened implements trio.Observer.
func (m *Metrics) StreamOpened(p trio.Protocol) { m.streams[protoIndex(p)].Inc() }

// StreamClosed implements trio.Observer.
func (m *Metrics) StreamClosed(p trio.Protocol) { m.streams[protoIndex(p)].Dec() }

// TLSHandshake implements trio.Observer.
func (m *Metrics) TLSHandshake(transport string, err error) {
	if transport != "quic" {
		transport = "tcp"
	}
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.handshakes.WithLabelValues(transport, result).Inc()
}

// A seriesKey picks the request series of one protocol, site and class.
type seriesKey struct {
	site  string
	proto uint8
	class uint8 // status / 100
}

type series struct {
	requests, bytes prometheus.Counter
	duration        prometheus.Observer
}

var classes = [6]string{"", "1xx", "2xx", "3xx", "4xx", "5xx"}

// statusClass returns status/100 within 1..5; other codes count as 5xx.
func statusClass(status int) uint8 {
	if c := status / 100; c >= 1 && c <= 5 {
		return uint8(c)
	}
	return 5
}

// seriesFor returns the request series for k, made at its first use.
func (m *Metrics) seriesFor(k seriesKey) *series {
	if s, ok := m.series.Load(k); ok {
		return s.(*series)
	}
	p, site, c := string(protocols[k.proto]), siteOrNone(k.site), classes[k.class]
	s := &series{
		requests: m.requests.WithLabelValues(p, site, c),
		bytes:    m.respBytes.WithLabelValues(p, site, c),
		duration: m.duration.WithLabelValues(p, site, c),
	}
	actual, _ := m.series.LoadOrStore(k, s)
	return actual.(*series)
}

// observe counts one finished request.
func (m *Metrics) observe(e *entry) {
	s := m.seriesFor(seriesKey{site: e.site, proto: protoIndexOf(e.proto), class: statusClass(e.status)})
	s.requests.Inc()
	if e.bytes > 0 {
		s.bytes.Add(float64(e.bytes))
	}
	if !e.websocket {
		s.duration.Observe(e.dur.Seconds())
	}
}

// protoIndexOf is protoIndex for a request's Proto.
func protoIndexOf(proto string) uint8 {
	switch proto {
	case "HTTP/2.0":
		return 1
	case "HTTP/3.0":
		return 2
	}
	return 0
}
