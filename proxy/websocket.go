package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/ws"
)

// serveWebSocket relays the WebSocket handshake r (an HTTP/1.1 Upgrade, or
// an HTTP/2 or HTTP/3 extended CONNECT) to an upstream, as an HTTP/1.1
// Upgrade, or as an HTTP/2 extended CONNECT when the upstream is h2c, or
// https and offers HTTP/2 with extended CONNECT (else HTTP/1.1 over TLS),
// or as an HTTP/3 extended CONNECT to an h3 upstream. The backend's answer
// is the client's: its subprotocol and extensions, in the client's HTTP
// version; a refusal passes on as its status. Then frames are relayed both
// ways (see relay) until both legs are closed. Draining the upstream, or
// shutting the server down, closes both legs with a close handshake.
func (h *Handler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if err := ws.CheckHandshake(w, r); err != nil {
		return
	}
	u, done, bs, res, err := h.pickBackend(w, r)
	if u == nil {
		return
	}
	if err != nil {
		if res != nil { // the backend answered, refusing: its answer is the client's
			done(nil)
			if res.Body != nil {
				res.Body.Close()
			}
			copyEndToEnd(w.Header(), res.Header)
			delete(w.Header(), "Content-Length")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(res.StatusCode)
			w.Write([]byte("upstream refused the WebSocket: " + res.Status + "\n"))
			return
		}
		done(err)
		if r.Context().Err() != nil {
			return // the client left
		}
		e := classify(r.Context(), u, err)
		if errors.Is(err, context.DeadlineExceeded) {
			e.Code, e.Msg = http.StatusGatewayTimeout, "upstream did not answer the WebSocket handshake in time"
		}
		h.fail(w, r, e)
		return
	}
	hdr := make(http.Header, len(res.Header))
	responseHeader(hdr, res)
	delete(hdr, "Sec-Websocket-Accept")
	cs, err := ws.AcceptStream(w, r, hdr)
	if err != nil {
		bs.Close()
		done(nil)
		return
	}
	rl := newRelay(cs, bs)
	remove := u.addRelay(rl)
	cs.OnShutdown(func() {
		rl.closeWith(ws.StatusGoingAway, "server shutting down")
		<-rl.done
	})
	err = rl.run()
	remove()
	done(err)
	if err != nil {
		h.logger().Warn("proxy: websocket backend lost", "path", r.URL.Path, "upstream", u.String(), "error", err)
		return
	}
	h.logger().Debug("proxy: websocket closed", "path", r.URL.Path, "upstream", u.String(),
		"client_code", int(rl.client.code), "client_reason", rl.client.reason,
		"backend_code", int(rl.backend.code), "backend_reason", rl.backend.reason)
}

// pickBackend picks an upstream and dials it, trying the next upstream
// when one cannot be reached at all (the handshake never left). Without
// any upstream it answers 503 and returns a nil u. Otherwise the caller
// calls done; err is the last dial's.
func (h *Handler) pickBackend(w http.ResponseWriter, r *http.Request) (u *Upstream, done func(error), bs *ws.Stream, res *http.Response, err error) {
	var tried [4]*Upstream
	exclude := tried[:0]
	for {
		next, nextDone, perr := h.Pool.Pick(r, exclude)
		if perr != nil {
			if u == nil {
				h.fail(w, r, &gatewayError{Code: http.StatusServiceUnavailable, Msg: "no upstream available", Err: perr})
				return nil, nil, nil, nil, perr
			}
			return u, func(error) {}, nil, nil, err // done was called for u
		}
		u, done = next, nextDone
		bs, res, err = h.dialBackend(r, u)
		if err == nil || res != nil || !unreachable(err) || r.Context().Err() != nil {
			return u, done, bs, res, err
		}
		done(err)
		h.logger().Debug("proxy: websocket upstream unreachable, trying another", "path", r.URL.Path, "upstream", u.String(), "error", err)
		exclude = append(exclude, u)
	}
}

// dialBackend opens the backend leg of the WebSocket r to u. It returns
// the backend's response also when it refused (err non-nil).
func (h *Handler) dialBackend(r *http.Request, u *Upstream) (*ws.Stream, *http.Response, error) {
	t := h.transport()
	tlsConf, err := t.TLSClientConfig()
	if err != nil {
		return nil, nil, err
	}
	hdr := make(http.Header, len(r.Header)+4)
	h.outHeader(r, hdr)
	for k := range hdr {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "Sec-Websocket-") && k != "Sec-Websocket-Protocol" && k != "Sec-Websocket-Extensions" {
			delete(hdr, k) // :protocol, the client's key and version
		}
	}
	hdr.Set("Host", r.Host)
	opts := &ws.DialOptions{
		Header:          hdr,
		TLSClientConfig: tlsConf,
		NetDial: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return t.DialUpstream(ctx, &url.URL{Scheme: "http", Host: addr})
		},
	}
	scheme, proto := "ws", "http/1.1"
	switch u.URL.Scheme {
	case "h2c":
		proto = "h2"
	case "https":
		scheme = "wss"
		if !h1Only(u) {
			proto = "h2"
		}
	case "h3":
		scheme, proto = "wss", "h3"
	}
	target := upstreamURL(u.URL, scheme, r)
	ctx := r.Context()
	if limit := t.responseHeaderTimeout(); limit > 0 {
		limit += t.dialTimeout() + max(orDefault(t.TLSHandshakeTimeout, 10*time.Second), 0)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	for {
		opts.HTTP = proto
		s, res, err := ws.DialStream(ctx, target.String(), opts)
		if err != nil && res == nil && proto == "h2" && u.URL.Scheme == "https" && ctx.Err() == nil && !unreachable(err) {
			// No h2 by ALPN, or no extended CONNECT on it: HTTP/1.1 then.
			noH2.Store(u.String(), true)
			proto = "http/1.1"
			continue
		}
		return s, res, err
	}
}

// noH2 holds the https upstreams, as written, found to have no WebSocket
// over HTTP/2.
var noH2 sync.Map // string -> bool

func h1Only(u *Upstream) bool {
	_, ok := noH2.Load(u.String())
	return ok
}

// unreachable reports whether err is a failure to reach or trust the
// upstream at all, which trying another HTTP version would repeat.
func unreachable(err error) bool {
	var op *net.OpError
	var cert *tls.CertificateVerificationError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &cert)
}
