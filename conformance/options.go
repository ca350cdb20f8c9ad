package conformance

import (
	"crypto/tls"
	"crypto/x509"
	"time"
)

// Options control a Run. The zero value (or nil) runs every suite with the
// system's root certificates.
type Options struct {
	// Suites names the suites to run, e.g. {"h1", "h3"}. Empty means all
	// (see SuiteNames).
	Suites []string

	// RootCAs verifies the target's certificate. nil means the system roots.
	RootCAs *x509.CertPool

	// Insecure skips certificate verification, for self-signed servers.
	Insecure bool

	// Timeout bounds each case. If zero, 10 seconds.
	Timeout time.Duration

	// H2Spec is the path of the h2spec binary. "" means the one trio's
	// go.mod pins, built by `go tool` when run inside trio's module, else
	// h2spec on PATH or in $GOPATH/bin; when none is found the h2spec
	// cases are skipped.
	H2Spec string

	// WSPath is the path of a WebSocket echo endpoint on the target, such
	// as trio's demo /ws/echo, for the ws suite. "" means the target URL's
	// own path. Without WebSockets there the ws cases are skipped.
	WSPath string

	// H3Addr is the UDP host:port of the target's HTTP/3 endpoint. "" means
	// the one its Alt-Svc header advertises, else the target's own port.
	H3Addr string
}

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return 10 * time.Second
	}
	return o.Timeout
}

// tlsConfig returns a client TLS config for serverName offering protos.
func (o *Options) tlsConfig(serverName string, protos ...string) *tls.Config {
	c := &tls.Config{ServerName: serverName, NextProtos: protos}
	if o != nil {
		c.RootCAs = o.RootCAs
		c.InsecureSkipVerify = o.Insecure
	}
	return c
}
