package config

import (
	"crypto/tls"
	"net/http"
	"sync/atomic"

	"github.com/triohttp/trio/tlsconf"
)

// A swapHandler serves with the handler its pointer holds: a reload
// stores a new one, and each request that starts after uses it, while
// those in flight finish on the old one.
type swapHandler struct{ p atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.p.Load()).ServeHTTP(w, r)
}

func (s *swapHandler) store(h http.Handler) { s.p.Store(&h) }

// A swapSource is the trio.Server's certificate source: each handshake and
// ACME HTTP-01 challenge goes to the router its pointer holds, so a reload
// changes certificates without touching a listener.
type swapSource struct {
	p atomic.Pointer[tlsconf.Router]
}

// TLSConfig offers acme-tls/1 in ALPN whether or not the router of the
// moment has ACME, as the listeners read it once; a router without ACME
// serves such a handshake as any other.
func (s *swapSource) TLSConfig() *tls.Config {
	return &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.p.Load().GetCertificate(hello)
		},
		NextProtos: []string{"acme-tls/1"},
	}
}

// HTTPChallengeHandler answers ACME HTTP-01 challenges with the router of
// the moment, and passes other requests to next.
func (s *swapSource) HTTPChallengeHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.p.Load().HTTPChallengeHandler(next).ServeHTTP(w, r)
	})
}
