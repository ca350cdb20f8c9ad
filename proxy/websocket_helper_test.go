package proxy

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// wsClientModes are the client legs of the WebSocket tests: HTTP/1.1
// Upgrade, HTTP/2 and HTTP/3 extended CONNECT, on the default engines.
var wsClientModes = []triotest.Mode{triotest.H1, triotest.H2, triotest.H3}

// wsBackendLegs are the backend legs: an HTTP/1.1 Upgrade to a Go
// net/http server that speaks only HTTP/1.1, and an HTTP/2 extended
// CONNECT to trio over h2c.
var wsBackendLegs = []string{"h1", "h2c"}

// wsRun runs f for every client mode and backend leg.
func wsRun(t *testing.T, f func(t *testing.T, m triotest.Mode, leg string)) {
	for _, m := range wsClientModes {
		for _, leg := range wsBackendLegs {
			t.Run(string(m)+"-to-"+leg, func(t *testing.T) { f(t, m, leg) })
		}
	}
}

// wsBackend serves h as a WebSocket backend over leg and returns its
// upstream URL; t.Cleanup stops it.
func wsBackend(t testing.TB, leg string, h http.Handler) string {
	t.Helper()
	switch leg {
	case "h1":
		u, _ := upstreamH1(t, h)
		return u
	case "h2c":
		ts := triotest.New(t, triotest.H2C, h)
		return "h2c://" + ts.Addrs.Cleartext[0].Addr().String()
	}
	t.Fatalf("unknown backend leg %q", leg)
	return ""
}

// wsFront runs a proxy to upstreams in client mode m and returns it.
func wsFront(t testing.TB, m triotest.Mode, pool *Pool) *triotest.TS {
	t.Helper()
	return front(t, m, &Handler{Pool: pool})
}

// wsTarget is the ws:// or wss:// URL of path on ts and the DialOptions
// that reach it over ts's mode; o may be nil.
func wsTarget(ts *triotest.TS, path string, o *ws.DialOptions) (string, *ws.DialOptions) {
	return wsTargetOver(ts, ts.Mode, path, o)
}

// wsTargetOver is wsTarget over mode m, whatever ts's mode: a trio.Server
// serves every protocol.
func wsTargetOver(ts *triotest.TS, m triotest.Mode, path string, o *ws.DialOptions) (string, *ws.DialOptions) {
	if o == nil {
		o = &ws.DialOptions{}
	}
	o.TLSClientConfig = ts.ClientTLS()
	switch m.Base() {
	case triotest.H2:
		o.HTTP = "h2"
		return "wss://" + ts.TLSAddr().String() + path, o
	case triotest.H2C:
		o.HTTP = "h2"
		return "ws://" + ts.Addrs.Cleartext[0].Addr().String() + path, o
	case triotest.H3:
		o.HTTP = "h3"
		return "wss://" + ts.Addrs.QUIC[0].LocalAddr().String() + path, o
	}
	o.HTTP = "http/1.1"
	return "wss://" + ts.TLSAddr().String() + path, o
}

// wsDial opens a WebSocket to path on ts over its mode; t.Cleanup closes
// it.
func wsDial(t testing.TB, ts *triotest.TS, path string, o *ws.DialOptions) *ws.Conn {
	t.Helper()
	u, o := wsTarget(ts, path, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, u, o)
	if err != nil {
		t.Fatalf("Dial(%s over %s): %v", u, o.HTTP, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// wsDialStream opens a raw WebSocket stream to path on ts over its mode;
// t.Cleanup closes it.
func wsDialStream(t testing.TB, ts *triotest.TS, path string, hdr http.Header) (*ws.Stream, *http.Response) {
	t.Helper()
	u, o := wsTarget(ts, path, &ws.DialOptions{Header: hdr})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, res, err := ws.DialStream(ctx, u, o)
	if err != nil {
		t.Fatalf("DialStream(%s over %s): %v", u, o.HTTP, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, res
}

// wsEcho is a backend that echoes each message, choosing the subprotocol
// "chat" and permessage-deflate when offered, and sends how the client
// closed to ended (if not nil).
func wsEcho(ended chan<- *ws.CloseError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, &ws.AcceptOptions{
			Subprotocols: []string{"chat"}, Compression: ws.CompressionContextTakeover, ReadLimit: -1,
		})
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				if ended != nil {
					ce, _ := err.(*ws.CloseError)
					ended <- ce
				}
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
}

// closeErr waits for how a connection ended, up to 10 seconds.
func closeErr(t testing.TB, ch <-chan *ws.CloseError) *ws.CloseError {
	t.Helper()
	select {
	case ce := <-ch:
		if ce == nil {
			t.Fatal("the connection ended without a *ws.CloseError")
		}
		return ce
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end within 10s")
	}
	return nil
}
