package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"
)

// A Proto is the HTTP version a run speaks.
type Proto string

// The protocols a run can speak.
const (
	H1 Proto = "h1" // HTTP/1.1 over TLS or cleartext, one request per connection at a time
	H2 Proto = "h2" // HTTP/2 over TLS (ALPN h2), or h2c with prior knowledge for http:// URLs
	H3 Proto = "h3" // HTTP/3 over QUIC; https:// URLs only
)

// Options says what to load and how hard. The zero value of each field but
// URL has a meaning.
type Options struct {
	URL   string // required; http:// or https://
	Proto Proto  // "" means H1

	Conns   int // connections; if zero, 1
	Streams int // requests in flight per connection (h2, h3); if zero, 1; h1 ignores it

	Duration time.Duration // stops the run; if zero, 10s
	Requests int           // stops the run after this many attempts; if zero, no limit but Duration

	Method string      // if "", GET
	Header http.Header // sent with every request; nil means none. Host sets the authority.

	Insecure bool           // skip certificate verification
	RootCAs  *x509.CertPool // trusted roots; nil means the system's
	CAFile   string         // PEM file of roots to trust, read by Run; "" means RootCAs
}

// defaultDuration bounds a run when Options.Duration is zero.
const defaultDuration = 10 * time.Second

func (o *Options) conns() int { return max(o.Conns, 1) }
func (o *Options) duration() time.Duration {
	if o.Duration <= 0 {
		return defaultDuration
	}
	return o.Duration
}

// streams is the number of workers per connection.
func (o *Options) streams() int {
	if o.proto() == H1 {
		return 1
	}
	return max(o.Streams, 1)
}

func (o *Options) proto() Proto {
	if o.Proto == "" {
		return H1
	}
	return o.Proto
}

func (o *Options) method() string {
	if o.Method == "" {
		return http.MethodGet
	}
	return o.Method
}

// check validates o and parses its URL.
func (o *Options) check() (*url.URL, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("load: URL %q: want http://HOST/... or https://HOST/...", o.URL)
	}
	switch o.proto() {
	case H1, H2:
	case H3:
		if u.Scheme != "https" {
			return nil, errors.New("load: h3 needs an https:// URL")
		}
	default:
		return nil, fmt.Errorf("load: protocol %q: want h1, h2 or h3", o.Proto)
	}
	if o.Conns < 0 || o.Streams < 0 || o.Requests < 0 || o.Duration < 0 {
		return nil, errors.New("load: negative connections, streams, requests or duration")
	}
	return u, nil
}

// tlsConfig is the client TLS configuration for o, offering alpn.
func (o *Options) tlsConfig(alpn ...string) (*tls.Config, error) {
	roots := o.RootCAs
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("load: CA file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("load: CA file %s: no PEM certificates", o.CAFile)
		}
	}
	return &tls.Config{RootCAs: roots, InsecureSkipVerify: o.Insecure, NextProtos: alpn}, nil
}
