package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// A Transport carries requests to upstreams in the protocol their URL
// scheme names: http (HTTP/1.1 with a keep-alive pool of trio's own, which
// writes each request and reads its response head on the goroutine of the
// round trip, with no goroutine per connection), h2c (HTTP/2 in
// cleartext, prior knowledge), https (HTTP/2 or HTTP/1.1, chosen by ALPN)
// and h3 (HTTP/3 over QUIC). The zero value is ready to use; a Transport
// is safe for concurrent use and should be reused, as it keeps
// connections.
type Transport struct {
	// DialTimeout bounds the TCP connect to an upstream, and the QUIC
	// handshake to an h3 one. If zero, 10s; if negative, none.
	DialTimeout time.Duration

	// TLSHandshakeTimeout bounds the TLS handshake with an https
	// upstream. If zero, 10s; if negative, none.
	TLSHandshakeTimeout time.Duration

	// ResponseHeaderTimeout bounds the wait for an upstream's response
	// header, from the end of the request (its body included). The
	// client then gets a 504. If zero, 60s; if negative, none.
	ResponseHeaderTimeout time.Duration

	// IdleConnTimeout closes a kept-alive upstream connection idle this
	// long. If zero, 90s; if negative, never.
	IdleConnTimeout time.Duration

	// MaxIdleConnsPerHost is how many idle HTTP/1.1 connections to each
	// upstream are kept for reuse. If zero, 512.
	MaxIdleConnsPerHost int

	// CAFile is a PEM file of the root certificates that https and h3
	// upstreams must chain to. If empty, the system's roots.
	CAFile string

	// InsecureSkipVerify accepts any certificate from https and h3
	// upstreams, for any name: it turns off TLS authentication of the
	// upstream, and is meant for tests and private networks only.
	InsecureSkipVerify bool

	once sync.Once
	err  error           // from loading CAFile
	tls  *tls.Config     // for https and h3 upstreams
	h1c  *h1Client       // http upstreams
	h1   *http.Transport // https upstreams, HTTP/2 or HTTP/1.1 by ALPN
	h2c  *http.Transport
	h3   *http3.Transport
}

// DefaultTransport is the Transport of a Handler whose Transport is nil.
var DefaultTransport = &Transport{}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (t *Transport) dialTimeout() time.Duration { return orDefault(t.DialTimeout, 10*time.Second) }
func (t *Transport) idleTimeout() time.Duration { return orDefault(t.IdleConnTimeout, 90*time.Second) }

// responseHeaderTimeout is 0 for none.
func (t *Transport) responseHeaderTimeout() time.Duration {
	return orDefault(t.ResponseHeaderTimeout, 60*time.Second)
}

func (t *Transport) init() {
	t.once.Do(func() {
		t.tls, t.err = t.tlsConfig()
		if t.err != nil {
			return
		}
		idle := t.MaxIdleConnsPerHost
		if idle == 0 {
			idle = 512
		}
		t.h1c = newH1Client(t)
		dialer := &net.Dialer{Timeout: t.dialTimeout(), KeepAlive: 30 * time.Second}
		t.h1 = &http.Transport{
			DialContext:           dialer.DialContext,
			TLSClientConfig:       t.tls,
			TLSHandshakeTimeout:   orDefault(t.TLSHandshakeTimeout, 10*time.Second),
			IdleConnTimeout:       t.idleTimeout(),
			MaxIdleConns:          0, // no limit across upstreams
			MaxIdleConnsPerHost:   idle,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true, // bodies pass as they are
			ForceAttemptHTTP2:     true, // despite DialContext, for https
		}
		t.h2c = &http.Transport{
			DialContext:           dialer.DialContext,
			IdleConnTimeout:       t.idleTimeout(),
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
			Protocols:             new(http.Protocols),
		}
		t.h2c.Protocols.SetUnencryptedHTTP2(true)
		qc := &quic.Config{HandshakeIdleTimeout: t.dialTimeout(), MaxIdleTimeout: t.idleTimeout()}
		if qc.MaxIdleTimeout == 0 {
			qc.KeepAlivePeriod = 15 * time.Second // never idle: keep it open
		}
		t.h3 = &http3.Transport{TLSClientConfig: t.tls.Clone(), QUICConfig: qc, DisableCompression: true}
	})
}

// tlsConfig builds the client TLS configuration of https and h3 upstreams.
func (t *Transport) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("proxy: upstream CA file: %w", err)
	}
	c.RootCAs = x509.NewCertPool()
	if !c.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("proxy: upstream CA file %s: no PEM certificate in it", t.CAFile)
	}
	return c, nil
}

// TLSClientConfig returns a copy of the TLS configuration used with https
// and h3 upstreams (roots from CAFile, InsecureSkipVerify), or the error
// reading CAFile. ServerName and NextProtos are left for the caller.
func (t *Transport) TLSClientConfig() (*tls.Config, error) {
	t.init()
	if t.err != nil {
		return nil, t.err
	}
	return t.tls.Clone(), nil
}

// pick returns the round tripper of an upstream scheme and the scheme to
// put in the request URL for it.
func (t *Transport) pick(scheme string) (http.RoundTripper, string, error) {
	t.init()
	if t.err != nil {
		return nil, "", t.err
	}
	switch scheme {
	case "http":
		return t.h1c, scheme, nil
	case "https":
		return t.h1, scheme, nil
	case "h2c":
		return t.h2c, "http", nil
	case "h3":
		return t.h3, "https", nil
	}
	return nil, "", fmt.Errorf("proxy: unsupported upstream scheme %q", scheme)
}

// RoundTrip sends req to the upstream its URL names, whose scheme may be
// http, https, h2c or h3 (see Transport). It does not modify req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, scheme, err := t.pick(req.URL.Scheme)
	if err != nil {
		return nil, err
	}
	if scheme != req.URL.Scheme {
		req = req.WithContext(req.Context())
		u := *req.URL
		u.Scheme = scheme
		req.URL = &u
	}
	return rt.RoundTrip(req)
}

// CloseIdleConnections closes the connections to upstreams that carry no
// request.
func (t *Transport) CloseIdleConnections() {
	t.init()
	if t.err != nil {
		return
	}
	t.h1c.closeIdle()
	t.h1.CloseIdleConnections()
	t.h2c.CloseIdleConnections()
	t.h3.CloseIdleConnections()
}

// Close closes the idle connections and the HTTP/3 transport, which then
// fails new requests to h3 upstreams.
func (t *Transport) Close() error {
	t.CloseIdleConnections()
	if t.h3 == nil {
		return nil
	}
	return t.h3.Close()
}

// DialUpstream opens a byte stream to the upstream u, as the WebSocket
// relay needs for its backend leg: TCP for http and h2c, TCP and TLS for
// https offering nextProtos by ALPN (["http/1.1"] if none), with the
// Transport's timeouts and TLS settings. h3 upstreams have no byte stream
// to offer and return an error.
func (t *Transport) DialUpstream(ctx context.Context, u *url.URL, nextProtos ...string) (net.Conn, error) {
	t.init()
	if t.err != nil {
		return nil, t.err
	}
	d := &net.Dialer{Timeout: t.dialTimeout(), KeepAlive: 30 * time.Second}
	switch u.Scheme {
	case "http", "h2c":
		return d.DialContext(ctx, "tcp", hostPort(u))
	case "https":
		c := t.tls.Clone()
		c.ServerName = u.Hostname()
		c.NextProtos = nextProtos
		if len(c.NextProtos) == 0 {
			c.NextProtos = []string{"http/1.1"}
		}
		if hs := orDefault(t.TLSHandshakeTimeout, 10*time.Second); hs > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t.dialTimeout()+hs)
			defer cancel()
		}
		td := &tls.Dialer{NetDialer: d, Config: c}
		return td.DialContext(ctx, "tcp", hostPort(u))
	}
	return nil, errors.New("proxy: no byte stream to an " + u.Scheme + " upstream")
}

// hostPort is u's host with its scheme's default port if it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" || u.Scheme == "h3" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
