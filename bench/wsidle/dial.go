package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"

	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/ws"
)

// A dialer opens the WebSockets of one run and closes them all at the end.
type dialer interface {
	warm(ctx context.Context) error        // opens the warm-up WebSocket
	open(ctx context.Context, i int) error // opens WebSocket i of N
	conns() int                            // transport connections, warm-up excluded
	close()
}

func newDialer(ctx context.Context, o *options, u *url.URL) (dialer, error) {
	hdr := http.Header{"Origin": {o.Origin}}
	if o.Origin == "" {
		hdr.Set("Origin", "https://"+u.Host)
	}
	switch o.HTTP {
	case "h1", "http/1.1":
		tc := o.TLS.Clone()
		tc.ClientSessionCache = tls.NewLRUClientSessionCache(16) // resume: 10,000 full handshakes are slow
		return &h1Dialer{url: o.URL, opts: &ws.DialOptions{HTTP: "http/1.1", TLSClientConfig: tc, Header: hdr}}, nil
	case "h2", "h3":
		return newMuxDialer(ctx, o, u, hdr)
	}
	return nil, fmt.Errorf("-http %q: want h1, h2 or h3", o.HTTP)
}

// h1Dialer opens each WebSocket on a connection of its own.
type h1Dialer struct {
	url  string
	opts *ws.DialOptions
	mu   sync.Mutex
	ws   []*ws.Conn
}

func (d *h1Dialer) warm(ctx context.Context) error { return d.open(ctx, -1) }
func (d *h1Dialer) conns() int                     { return len(d.ws) - 1 }

func (d *h1Dialer) open(ctx context.Context, _ int) error {
	c, _, err := ws.Dial(ctx, d.url, d.opts)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.ws = append(d.ws, c)
	d.mu.Unlock()
	return nil
}

func (d *h1Dialer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.ws {
		c.CloseNow()
	}
}

// muxDialer spreads the WebSockets over shared HTTP/2 or HTTP/3
// connections: cs[0] carries the warm-up only, WebSocket i goes on
// cs[1+i%(len(cs)-1)].
type muxDialer struct {
	req    *http.Request // the extended CONNECT, cloned per WebSocket
	cs     []muxConn
	cancel context.CancelFunc // ends the streams' context
}

// A muxConn opens WebSocket streams on one connection.
type muxConn interface {
	openStream(ctx context.Context, req *http.Request) error
	Close() error
}

func newMuxDialer(ctx context.Context, o *options, u *url.URL, hdr http.Header) (*muxDialer, error) {
	// The streams live until close, past the handshake's context.
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	hu := *u
	hu.Scheme = "https"
	req, err := http.NewRequestWithContext(life, http.MethodGet, hu.String(), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header = hdr.Clone()
	req.Header.Set("Sec-WebSocket-Version", "13")
	d := &muxDialer{req: req, cs: make([]muxConn, 1+max(o.Conns, 1)), cancel: cancel}
	errs := make([]error, len(d.cs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(o.Parallel, 1))
	for i := range d.cs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
			defer cancel()
			if o.HTTP == "h2" {
				d.cs[i], errs[i] = dialH2(dctx, u.Host, o.TLS)
			} else {
				d.cs[i], errs[i] = dialH3(dctx, u.Host, o.TLS)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			d.close()
			return nil, fmt.Errorf("connection %d of %d: %w", i, len(d.cs), err)
		}
	}
	return d, nil
}

func (d *muxDialer) warm(ctx context.Context) error {
	return d.cs[0].openStream(ctx, d.req.Clone(d.req.Context()))
}
func (d *muxDialer) conns() int { return len(d.cs) - 1 }

func (d *muxDialer) open(ctx context.Context, i int) error {
	return d.cs[1+i%(len(d.cs)-1)].openStream(ctx, d.req.Clone(d.req.Context()))
}

func (d *muxDialer) close() {
	d.cancel()
	for _, c := range d.cs {
		if c != nil {
			c.Close()
		}
	}
}

// bounded runs f, giving up when ctx ends first: HTTP/3's ReadResponse
// heeds no context. A stream f opens after that is closed with its
// connection.
func bounded(ctx context.Context, f func() error) error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("WebSocket handshake: %w", ctx.Err())
	}
}

type h2Conn struct{ *http2.ClientConn }

func dialH2(ctx context.Context, addr string, tc *tls.Config) (*h2Conn, error) {
	tc = tc.Clone()
	tc.NextProtos = []string{"h2"}
	nc, err := (&tls.Dialer{Config: tc}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if p := nc.(*tls.Conn).ConnectionState().NegotiatedProtocol; p != "h2" {
		nc.Close()
		return nil, fmt.Errorf("server negotiated ALPN %q; want h2", p)
	}
	// Pings keep the connection and its streams alive past the server's
	// idle timeout if -hold is long.
	cc, err := (&http2.Transport{ReadIdleTimeout: 30 * time.Second}).NewClientConn(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &h2Conn{cc}, nil
}

func (c *h2Conn) openStream(ctx context.Context, req *http.Request) error {
	return bounded(ctx, func() error {
		_, _, err := h2.DialWebSocket(c.ClientConn, req)
		return err
	})
}

type h3Conn struct {
	qc *quic.Conn
	cc *http3.ClientConn
}

func dialH3(ctx context.Context, addr string, tc *tls.Config) (*h3Conn, error) {
	tc = tc.Clone()
	tc.NextProtos = []string{http3.NextProtoH3}
	qc, err := quic.DialAddr(ctx, addr, tc, &quic.Config{KeepAlivePeriod: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	return &h3Conn{qc: qc, cc: (&http3.Transport{}).NewClientConn(qc)}, nil
}

func (c *h3Conn) openStream(ctx context.Context, req *http.Request) error {
	return bounded(ctx, func() error {
		_, _, err := h3.DialWebSocket(ctx, c.cc, req)
		return err
	})
}

func (c *h3Conn) Close() error { return c.qc.CloseWithError(0, "") }
