package ws_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// echo is the handler every transport test serves: it returns each message
// as it came, in the same type.
func echo(opts *ws.AcceptOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
}

// stdXConnect reports whether Go's HTTP/2 server accepts extended CONNECT
// in this process (GODEBUG=http2xconnect=1 at start; see TestMain).
func stdXConnect() bool { return strings.Contains(os.Getenv("GODEBUG"), "http2xconnect=1") }

// wsURL is the ws:// or wss:// URL of path on ts, and the DialOptions
// that reach it over ts's mode.
func wsURL(t testing.TB, ts *triotest.TS, path string, o *ws.DialOptions) (string, *ws.DialOptions) {
	t.Helper()
	if o == nil {
		o = &ws.DialOptions{}
	}
	o.TLSClientConfig = ts.ClientTLS()
	switch ts.Mode.Base() {
	case triotest.H1:
		o.HTTP = "http/1.1"
		return "wss://" + ts.TLSAddr().String() + path, o
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
	t.Fatalf("unknown mode %s", ts.Mode)
	return "", nil
}

// dial opens a WebSocket to path on ts over its mode; t.Cleanup closes it.
func dial(t testing.TB, ts *triotest.TS, path string, o *ws.DialOptions) *ws.Conn {
	t.Helper()
	u, o := wsURL(t, ts, path, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, u, o)
	if err != nil {
		t.Fatalf("Dial(%s, %s): %v", u, o.HTTP, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// run runs f in every mode the harness has, skipping Go's HTTP/2 engine
// when extended CONNECT is off in this process.
func run(t *testing.T, f func(t *testing.T, m triotest.Mode)) {
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		if m.Engine() == "std" && !stdXConnect() {
			t.Skip("Go's HTTP/2 server needs GODEBUG=http2xconnect=1 at start for extended CONNECT")
		}
		f(t, m)
	})
}
