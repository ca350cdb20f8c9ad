package ws

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

// DialOptions configures Dial. A nil *DialOptions is the zero value.
type DialOptions struct {
	// HTTP is the HTTP version to run the WebSocket over: "" or "http/1.1"
	// for an HTTP/1.1 Upgrade, "h2" for an HTTP/2 extended CONNECT (TLS
	// with ALPN h2 for wss://, prior-knowledge h2c for ws://), "h3" for an
	// HTTP/3 extended CONNECT (wss:// only).
	HTTP string

	// TLSClientConfig configures wss://. nil means the defaults, with
	// ServerName from the URL. NextProtos is set for the HTTP version.
	TLSClientConfig *tls.Config

	// Header is added to the handshake request, e.g. Origin or Cookie. A
	// Host field sets the request's Host (:authority over HTTP/2 and
	// HTTP/3) instead of the URL's.
	Header http.Header

	// Subprotocols are offered in order.
	Subprotocols []string

	// Compression offers permessage-deflate. The zero value does not.
	Compression CompressionMode

	// CompressionThreshold is the smallest message compressed. Zero
	// means DefaultCompressionThreshold.
	CompressionThreshold int

	// ReadLimit is the largest message accepted. Zero means
	// DefaultReadLimit; negative means no limit.
	ReadLimit int64

	// NetDial dials TCP. nil means a net.Dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)

	// QUICConfig configures the QUIC connection of an "h3" dial. nil means
	// quic-go's defaults with keep-alive. A zero KeepAlivePeriod is set to
	// a third of MaxIdleTimeout (10 s with quic-go's 30 s), so that an
	// idle WebSocket over HTTP/3 lives as long as over HTTP/1.1 and HTTP/2
	// (the connection carries nothing else); a negative one turns
	// keep-alive off.
	QUICConfig *quic.Config
}

// Dial opens a WebSocket to urlStr (ws:// or wss://) over a new
// connection. ctx bounds the handshake only. The response is returned
// when the server answered, even with an error, so callers can see a
// refusal's status.
func Dial(ctx context.Context, urlStr string, opts *DialOptions) (*Conn, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	req, host, secure, err := newDialRequest(ctx, urlStr, opts)
	if err != nil {
		return nil, nil, err
	}
	s, resp, err := dialStream(ctx, req, host, secure, opts)
	if err != nil {
		return nil, resp, err
	}
	c := newConn(s.t, s.head, true, s.proto)
	c.extra = s.extra
	if err := c.clientHandshakeDone(resp, opts); err != nil {
		c.CloseNow()
		return nil, resp, err
	}
	return c, resp, nil
}

// DialStream opens a WebSocket as Dial does, but returns its raw [Stream]
// and the server's response without checking the subprotocol or extensions
// the server chose: reading and writing frames is the caller's. A proxy
// passes the client's Sec-WebSocket-Protocol and Sec-WebSocket-Extensions
// in opts.Header and the server's answer back to its client.
func DialStream(ctx context.Context, urlStr string, opts *DialOptions) (*Stream, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	req, host, secure, err := newDialRequest(ctx, urlStr, opts)
	if err != nil {
		return nil, nil, err
	}
	return dialStream(ctx, req, host, secure, opts)
}

func dialStream(ctx context.Context, req *http.Request, host string, secure bool, opts *DialOptions) (*Stream, *http.Response, error) {
	switch opts.HTTP {
	case "", "http/1.1":
		return dialH1(ctx, req, host, secure, opts)
	case "h2":
		return dialH2(ctx, req, host, secure, opts)
	case "h3":
		if !secure {
			return nil, nil, errorf("dial: HTTP/3 needs wss://, not ws://%s", host)
		}
		return dialH3(ctx, req, host, opts)
	}
	return nil, nil, errorf("dial: unknown HTTP version %q; want http/1.1, h2 or h3", opts.HTTP)
}

// newDialRequest builds the handshake request for urlStr and returns it
// with the host:port to dial and whether it is wss://.
func newDialRequest(ctx context.Context, urlStr string, opts *DialOptions) (*http.Request, string, bool, error) {
	u, err := url.Parse(urlStr)
	if err != nil {
		return nil, "", false, errorf("dial: %w", err)
	}
	secure := u.Scheme == "wss"
	if !secure && u.Scheme != "ws" {
		return nil, "", false, errorf("dial: URL scheme %q is not ws or wss", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[secure])
	}
	httpURL := *u
	httpURL.Scheme = map[bool]string{true: "https", false: "http"}[secure]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL.String(), nil)
	if err != nil {
		return nil, "", false, errorf("dial: %w", err)
	}
	for k, vv := range opts.Header {
		req.Header[k] = append([]string(nil), vv...)
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
		req.Header.Del("Host")
	}
	req.Header.Set("Sec-WebSocket-Version", "13")
	if len(opts.Subprotocols) > 0 {
		req.Header.Set("Sec-WebSocket-Protocol", strings.Join(opts.Subprotocols, ", "))
	}
	if opts.Compression != CompressionDisabled {
		req.Header.Set("Sec-WebSocket-Extensions", clientOffer(opts.Compression))
	}
	return req, host, secure, nil
}

// clientHandshakeDone checks the subprotocol and extensions the server
// chose and sets the connection up accordingly.
func (c *Conn) clientHandshakeDone(resp *http.Response, opts *DialOptions) error {
	c.subp = resp.Header.Get("Sec-WebSocket-Protocol")
	if c.subp != "" && !strings.Contains(","+strings.Join(opts.Subprotocols, ",")+",", ","+c.subp+",") {
		return errorf("dial: server chose subprotocol %q, which was not offered", c.subp)
	}
	c.SetReadLimit(readLimit(opts.ReadLimit))
	exts, ok := parseExtensions(resp.Header)
	if !ok {
		return errorf("dial: malformed Sec-WebSocket-Extensions %q", resp.Header.Values("Sec-WebSocket-Extensions"))
	}
	if len(exts) == 0 {
		return nil
	}
	if opts.Compression == CompressionDisabled {
		return errorf("dial: server answered extensions %v; none were offered", exts)
	}
	p, err := clientAccept(exts)
	if err != nil {
		return errorf("dial: %w", err)
	}
	c.enableCompression(p.clientNoCtx, p.serverNoCtx, opts.CompressionThreshold)
	return nil
}

func dialTCP(ctx context.Context, host string, opts *DialOptions) (net.Conn, error) {
	if opts.NetDial != nil {
		return opts.NetDial(ctx, "tcp", host)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", host)
}

func tlsConfig(opts *DialOptions, host string, proto string) *tls.Config {
	cfg := &tls.Config{}
	if opts.TLSClientConfig != nil {
		cfg = opts.TLSClientConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(host)
	}
	cfg.NextProtos = []string{proto}
	return cfg
}

// dialTLS dials TCP and runs a TLS handshake offering ALPN proto.
func dialTLS(ctx context.Context, host, proto string, opts *DialOptions) (net.Conn, error) {
	nc, err := dialTCP(ctx, host, opts)
	if err != nil {
		return nil, errorf("dial: %w", err)
	}
	tc := tls.Client(nc, tlsConfig(opts, host, proto))
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, errorf("dial: TLS handshake: %w", err)
	}
	if got := tc.ConnectionState().NegotiatedProtocol; got != proto && !(proto == "http/1.1" && got == "") {
		tc.Close()
		return nil, errorf("dial: server negotiated ALPN %q; want %q", got, proto)
	}
	return tc, nil
}

func dialH1(ctx context.Context, req *http.Request, host string, secure bool, opts *DialOptions) (*Stream, *http.Response, error) {
	var nc net.Conn
	var err error
	if secure {
		nc, err = dialTLS(ctx, host, "http/1.1", opts)
	} else if nc, err = dialTCP(ctx, host, opts); err != nil {
		err = errorf("dial: %w", err)
	}
	if err != nil {
		return nil, nil, err
	}
	var key [16]byte
	putRandom(key[:])
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key[:]))
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	resp, br, err := h1.DialWebSocket(nc, req)
	if !stop() {
		err = fmt.Errorf("websocket: dial: %w", ctx.Err())
	}
	if err != nil {
		nc.Close()
		return nil, resp, err
	}
	var pending []byte // the server's first frames, if they came with the response
	if n := br.Buffered(); n > 0 {
		p, _ := br.Peek(n)
		pending = bytes.Clone(p)
	}
	return newStream(nc, pending, "HTTP/1.1"), resp, nil
}

func dialH2(ctx context.Context, req *http.Request, host string, secure bool, opts *DialOptions) (*Stream, *http.Response, error) {
	var nc net.Conn
	var err error
	if secure {
		nc, err = dialTLS(ctx, host, "h2", opts)
	} else if nc, err = dialTCP(ctx, host, opts); err != nil {
		err = errorf("dial: %w", err)
	}
	if err != nil {
		return nil, nil, err
	}
	tr := &http2.Transport{AllowHTTP: true}
	cc, err := tr.NewClientConn(nc)
	if err != nil {
		nc.Close()
		return nil, nil, errorf("dial: HTTP/2: %w", err)
	}
	if !secure {
		req.URL.Scheme = "http"
	}
	// The request's context governs the stream for its whole life: only
	// the handshake may be cancelled by ctx.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	resp, st, err := h2.DialWebSocket(cc, req.WithContext(sctx))
	stop()
	if err != nil {
		cancel()
		cc.Close()
		return nil, resp, err
	}
	s := newStream(st, nil, "HTTP/2.0")
	s.extra = []io.Closer{closerFunc(func() error { cancel(); return nil }), cc}
	return s, resp, nil
}

func dialH3(ctx context.Context, req *http.Request, host string, opts *DialOptions) (*Stream, *http.Response, error) {
	qc, err := quic.DialAddr(ctx, host, tlsConfig(opts, host, http3.NextProtoH3), quicConfig(opts))
	if err != nil {
		return nil, nil, errorf("dial: QUIC: %w", err)
	}
	cc := (&http3.Transport{}).NewClientConn(qc)
	resp, st, err := h3.DialWebSocket(ctx, cc, req)
	if err != nil {
		qc.CloseWithError(quic.ApplicationErrorCode(h3.ErrNoError), "")
		return nil, resp, err
	}
	s := newStream(st, nil, "HTTP/3.0")
	s.extra = []io.Closer{closerFunc(func() error { return qc.CloseWithError(quic.ApplicationErrorCode(h3.ErrNoError), "") })}
	return s, resp, nil
}

// quicConfig is the QUIC configuration of an h3 dial: opts.QUICConfig
// or quic-go's defaults, with keep-alive on unless turned off. quic-go's
// own default is none, and a WebSocket nobody writes to then dies after
// the idle timeout ("no recent network activity").
func quicConfig(opts *DialOptions) *quic.Config {
	c := &quic.Config{}
	if opts.QUICConfig != nil {
		c = opts.QUICConfig.Clone()
	}
	switch {
	case c.KeepAlivePeriod < 0:
		c.KeepAlivePeriod = 0
	case c.KeepAlivePeriod == 0:
		idle := c.MaxIdleTimeout
		if idle <= 0 {
			idle = 30 * time.Second // quic-go's default
		}
		c.KeepAlivePeriod = idle / 3
	}
	return c
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
