package proxy

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestWebSocketTLSBackends: the backend leg over TLS is an HTTP/2 extended
// CONNECT when the upstream offers h2 (trio), an HTTP/1.1 Upgrade when it
// offers only HTTP/1.1 (Go's httptest TLS server), and an HTTP/3 extended
// CONNECT to an h3 upstream; echo, subprotocol, compression and close code
// go through from every client leg.
func TestWebSocketTLSBackends(t *testing.T) {
	legs := []struct {
		name  string
		major int
		start func(t *testing.T, h http.Handler) string
	}{
		{"https-h2", 2, func(t *testing.T, h http.Handler) string {
			return "https://" + triotest.New(t, triotest.H2, h).TLSAddr().String()
		}},
		{"https-h1", 1, func(t *testing.T, h http.Handler) string {
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the proxy's h2 attempt fails the handshake
			srv.StartTLS()                                   // offers http/1.1 only
			t.Cleanup(srv.Close)
			return "https://" + srv.Listener.Addr().String()
		}},
		{"h3", 3, func(t *testing.T, h http.Handler) string {
			return "h3://" + triotest.New(t, triotest.H3, h).Addrs.QUIC[0].LocalAddr().String()
		}},
	}
	for _, leg := range legs {
		for _, m := range wsClientModes {
			t.Run(string(m)+"-to-"+leg.name, func(t *testing.T) {
				protos := make(chan int, 2)
				ended := make(chan *ws.CloseError, 1)
				echo := wsEcho(ended)
				backend := leg.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					protos <- r.ProtoMajor // r.Proto is "websocket" for extended CONNECT
					echo.ServeHTTP(w, r)
				}))
				tr := &Transport{InsecureSkipVerify: true}
				t.Cleanup(func() { tr.Close() })
				ts := front(t, m, &Handler{Pool: poolOf(t, backend), Transport: tr})
				c := wsDial(t, ts, "/", &ws.DialOptions{Subprotocols: []string{"chat"}, Compression: ws.CompressionNoContextTakeover})
				if p := <-protos; p != leg.major {
					t.Errorf("backend leg ran over HTTP/%d; want HTTP/%d", p, leg.major)
				}
				if c.Subprotocol() != "chat" || !c.Compressed() {
					t.Errorf("Subprotocol %q, Compressed %v; want chat and true", c.Subprotocol(), c.Compressed())
				}
				if got := whomEcho(t, c, "ping over "+leg.name); got != "ping over "+leg.name {
					t.Errorf("echo %q", got)
				}
				c.Close(4003, "done")
				if ce := closeErr(t, ended); ce.Code != 4003 || ce.Reason != "done" {
					t.Errorf("backend saw %v; want 4003 done", ce)
				}
			})
		}
	}
}

// whomEcho sends msg and returns what came back.
func whomEcho(t testing.TB, c *ws.Conn, msg string) string {
	t.Helper()
	if err := c.WriteMessage(ws.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}
