package ws

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

// AcceptOptions configures Accept. A nil *AcceptOptions is the zero value.
type AcceptOptions struct {
	// Subprotocols are the subprotocols the server speaks, most preferred
	// first; the first the client also offers is chosen. None means no
	// subprotocol is ever chosen.
	Subprotocols []string

	// OriginPatterns lists hosts (path.Match patterns such as
	// "*.example.com"; "*" is any) whose pages may connect besides the
	// request's own host. Empty means same origin only. Requests without
	// an Origin header (non-browser clients) are always accepted.
	OriginPatterns []string

	// Compression selects permessage-deflate when the client offers it.
	// The zero value disables it.
	Compression CompressionMode

	// CompressionThreshold is the smallest message compressed. Zero
	// means DefaultCompressionThreshold.
	CompressionThreshold int

	// ReadLimit is the largest message accepted, in bytes; larger ones
	// close the connection with 1009. Zero means DefaultReadLimit;
	// negative means no limit.
	ReadLimit int64

	// Registry tracks the connection for shutdown. nil means the
	// registry of the server that received the request (see Registry).
	Registry *Registry
}

// Accept accepts a WebSocket opening handshake in any HTTP version: an
// HTTP/1.1 Upgrade (RFC 6455), an HTTP/2 extended CONNECT (RFC 8441) or an
// HTTP/3 extended CONNECT (RFC 9220). On failure it has answered the
// request with an error status (426, 400, 403, 501 or 503) and returns an
// error saying why.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	c, err := accept(w, r, opts)
	if err != nil {
		answerRefusal(w, r, err)
		return nil, err
	}
	return c, nil
}

// answerRefusal answers r with the status of a refused handshake, if err
// is one (an *h1.WebSocketError); other errors came after the answer.
func answerRefusal(w http.ResponseWriter, r *http.Request, err error) {
	var he *h1.WebSocketError
	if !errors.As(err, &he) {
		return
	}
	if he.Status == http.StatusUpgradeRequired || he.Status == http.StatusBadRequest {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	if he.Status == http.StatusUpgradeRequired && r.ProtoMajor == 1 {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
	}
	http.Error(w, he.Error(), he.Status)
}

func refuse(status int, format string, args ...any) error {
	return &h1.WebSocketError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

func accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, error) {
	key, err := checkHandshake(r)
	if err != nil {
		return nil, err
	}
	if err := checkOrigin(r, opts.OriginPatterns); err != nil {
		return nil, refuse(http.StatusForbidden, "%v", err)
	}
	reg := registryFor(r, opts)
	resp := make(http.Header)
	offered := headerTokens(r.Header, "Sec-WebSocket-Protocol")
	subp := ""
	for _, s := range opts.Subprotocols {
		if slices.Contains(offered, s) {
			subp = s
			resp.Set("Sec-WebSocket-Protocol", s)
			break
		}
	}
	var dp deflateParams
	var compress bool
	if offers, ok := parseExtensions(r.Header); ok {
		var ext string
		if ext, dp, compress = serverNegotiate(offers, opts.Compression); compress {
			resp.Set("Sec-WebSocket-Extensions", ext)
		}
	} else if opts.Compression != CompressionDisabled {
		return nil, refuse(http.StatusBadRequest, "malformed Sec-WebSocket-Extensions %q", r.Header.Values("Sec-WebSocket-Extensions"))
	}
	if reg.isDown() {
		return nil, refuse(http.StatusServiceUnavailable, "server is shutting down")
	}

	t, pending, proto, err := acceptTransport(w, r, key, resp)
	if err != nil {
		return nil, err
	}
	c := newConn(t, pending, false, proto)
	c.subp = subp
	c.SetReadLimit(readLimit(opts.ReadLimit))
	if compress {
		c.enableCompression(dp.serverNoCtx, dp.clientNoCtx, opts.CompressionThreshold)
	}
	if o := observerFrom(r.Context()); o != nil {
		c.observer = o
		o.WebSocketOpened(c)
	}
	if reg != nil && !reg.add(c) {
		c.Close(StatusGoingAway, "server shutting down")
		return nil, errorf("server is shutting down")
	}
	return c, nil
}

// acceptTransport answers the handshake r with success and the header
// fields in hdr, and returns the stream the WebSocket runs over and, over
// HTTP/1.1, what the client sent past its handshake that the server read.
func acceptTransport(w http.ResponseWriter, r *http.Request, key string, hdr http.Header) (transport, []byte, string, error) {
	switch r.ProtoMajor {
	case 1:
		nc, pending, err := h1.AcceptWebSocket(w, r, key, hdr)
		if err != nil {
			return nil, nil, "", err
		}
		return nc, pending, "HTTP/1.1", nil
	case 2:
		st, err := h2.AcceptWebSocket(w, r, hdr)
		if err != nil {
			return nil, nil, "", err
		}
		return st, nil, "HTTP/2.0", nil
	}
	st, err := h3.AcceptWebSocket(w, r, hdr)
	if err != nil {
		return nil, nil, "", err
	}
	return st, nil, "HTTP/3.0", nil
}

// checkHandshake checks that r opens a WebSocket in its HTTP version and
// returns the HTTP/1.1 Sec-WebSocket-Key ("" over HTTP/2 and HTTP/3).
func checkHandshake(r *http.Request) (string, error) {
	var key string
	switch r.ProtoMajor {
	case 1:
		var err error
		if key, err = h1.CheckWebSocket(r); err != nil {
			return "", err
		}
	case 2, 3:
		p := h2.ExtendedConnectProtocol(r)
		if r.ProtoMajor == 3 {
			p = h3.ExtendedConnectProtocol(r)
		}
		switch {
		case p == "" && r.Method == http.MethodConnect:
			return "", refuse(http.StatusBadRequest, "CONNECT without :protocol is not a WebSocket handshake")
		case p == "":
			return "", refuse(http.StatusUpgradeRequired, "WebSocket over %s needs an extended CONNECT with :protocol websocket, not %s", r.Proto, r.Method)
		case p != "websocket":
			return "", refuse(http.StatusNotImplemented, "extended CONNECT protocol %q is not supported; only websocket", p)
		case r.Header.Get("Sec-WebSocket-Version") != "13":
			return "", refuse(http.StatusBadRequest, "Sec-WebSocket-Version %q unsupported; want 13", r.Header.Get("Sec-WebSocket-Version"))
		}
	default:
		return "", refuse(http.StatusHTTPVersionNotSupported, "no WebSocket over %s", r.Proto)
	}
	return key, nil
}

// enableCompression sets up permessage-deflate: the writer keeps its
// context unless writeNoCtx, the reader unless readNoCtx.
func (c *Conn) enableCompression(writeNoCtx, readNoCtx bool, threshold int) {
	if threshold <= 0 {
		threshold = DefaultCompressionThreshold
	}
	c.threshold = threshold
	c.deflate = &deflater{noCtx: writeNoCtx}
	c.inflate = &inflater{noCtx: readNoCtx}
}

func readLimit(n int64) int64 {
	switch {
	case n == 0:
		return DefaultReadLimit
	case n < 0:
		return 0 // SetReadLimit: none
	}
	return n
}
