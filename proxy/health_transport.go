package proxy

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/quic-go/quic-go/http3"
)

// healthTransport makes health checks in each upstream's scheme.
type healthTransport struct {
	h1, h2c *http.Transport
	h3      *http3.Transport
}

func newHealthTransport() *healthTransport {
	h1 := &http.Transport{
		DisableKeepAlives:   false,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   true,
	}
	h2c := &http.Transport{IdleConnTimeout: time.Minute, Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	return &healthTransport{h1: h1, h2c: h2c, h3: &http3.Transport{TLSClientConfig: &tls.Config{}}}
}

func (t *healthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Scheme {
	case "h2c":
		req.URL.Scheme = "http"
		return t.h2c.RoundTrip(req)
	case "h3":
		req.URL.Scheme = "https"
		return t.h3.RoundTrip(req)
	}
	return t.h1.RoundTrip(req)
}

func (t *healthTransport) CloseIdleConnections() {
	t.h1.CloseIdleConnections()
	t.h2c.CloseIdleConnections()
	t.h3.CloseIdleConnections()
}
