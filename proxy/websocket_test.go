package proxy

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestWebSocketEcho: text and binary messages, one of 1 MiB, go through
// the proxy and back; the backend's subprotocol and permessage-deflate
// reach the client, in the client's HTTP version.
func TestWebSocketEcho(t *testing.T) { wsRun(t, testWebSocketEcho) }

// TestWebSocketEchoEngines: the same from clients served by the other
// HTTP/2 and HTTP/3 engines, and over h2c (TestMain turns Go's extended
// CONNECT on).
func TestWebSocketEchoEngines(t *testing.T) {
	for _, m := range triotest.Modes {
		if m == triotest.H1 || m == triotest.H2 || m == triotest.H3 {
			continue // TestWebSocketEcho
		}
		t.Run(string(m), func(t *testing.T) { testWebSocketEcho(t, m, "h1") })
	}
}

func testWebSocketEcho(t *testing.T, m triotest.Mode, leg string) {
	seen := make(chan http.Header, 1)
	echo := wsEcho(nil)
	backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		echo.ServeHTTP(w, r)
	}))
	ts := wsFront(t, m, poolOf(t, backend))
	c := wsDial(t, ts, "/echo", &ws.DialOptions{Subprotocols: []string{"x", "chat"}, Compression: ws.CompressionContextTakeover, ReadLimit: -1})
	if got := c.Subprotocol(); got != "chat" {
		t.Errorf("Subprotocol = %q; want chat, the backend's choice", got)
	}
	if !c.Compressed() {
		t.Error("Compressed = false; want permessage-deflate negotiated end to end")
	}
	if got := c.Proto(); got != m.Proto() {
		t.Errorf("client leg Proto = %q; want %q", got, m.Proto())
	}
	h := <-seen
	if got := h.Get("Via"); !strings.Contains(got, "trio") {
		t.Errorf("backend saw Via %q; want the proxy in it", got)
	}
	if got := h.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("backend saw X-Forwarded-For %q; want 127.0.0.1", got)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, compresses
	for _, msg := range []struct {
		typ ws.MessageType
		p   []byte
	}{
		{ws.MessageText, []byte("hello")},
		{ws.MessageBinary, []byte{0, 1, 2, 255}},
		{ws.MessageText, []byte(strings.Repeat("é", 3000))},
		{ws.MessageBinary, big},
	} {
		if err := c.WriteMessage(msg.typ, msg.p); err != nil {
			t.Fatalf("WriteMessage: %v", err)
		}
		typ, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		if typ != msg.typ || !bytes.Equal(got, msg.p) {
			t.Fatalf("echo = %v of %d bytes; want %v of %d", typ, len(got), msg.typ, len(msg.p))
		}
	}
	if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Errorf("Close: %v", err)
	}
	if ce := c.Err().(*ws.CloseError); ce.Code != ws.StatusNormalClosure {
		t.Errorf("closed with %d; want 1000", ce.Code)
	}
}

// TestWebSocketClose: close codes and reasons pass unchanged both ways.
func TestWebSocketClose(t *testing.T) { wsRun(t, testWebSocketClose) }

func testWebSocketClose(t *testing.T, m triotest.Mode, leg string) {
	ended := make(chan *ws.CloseError, 1)
	backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, msg, err := c.ReadMessage()
		if err != nil {
			ce, _ := err.(*ws.CloseError)
			ended <- ce
			return
		}
		c.Close(4002, "server says "+string(msg)) // the backend closes
		ce, _ := c.Err().(*ws.CloseError)
		ended <- ce // 4002 unless a reset overtook the proxy's answer
	}))
	ts := wsFront(t, m, poolOf(t, backend))

	// The client closes.
	c := wsDial(t, ts, "/", nil)
	if err := c.Close(4001, "client bye"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if ce := closeErr(t, ended); ce.Code != 4001 || ce.Reason != "client bye" || !ce.Remote {
		t.Errorf("backend saw %v; want the client's 4001 \"client bye\"", ce)
	}

	// The backend closes.
	c = wsDial(t, ts, "/", nil)
	if err := c.WriteMessage(ws.MessageText, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != 4002 || ce.Reason != "server says bye" || !ce.Remote {
		t.Errorf("client saw %v; want the backend's 4002 \"server says bye\"", err)
	}
	if be := closeErr(t, ended); be.Code != 4002 {
		t.Errorf("backend's Err %v; want its own 4002, the close handshake complete", be)
	}
}

// TestWebSocketBackendDies: a backend that drops its connection without a
// close frame gets the client a close frame 1014 (bad gateway).
func TestWebSocketBackendDies(t *testing.T) { wsRun(t, testWebSocketBackendDies) }

func testWebSocketBackendDies(t *testing.T, m triotest.Mode, leg string) {
	backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.ReadMessage()
		c.CloseNow() // no close frame: TCP closed (h1), stream reset (h2)
	}))
	pool := passivePool(t, backend)
	ts := wsFront(t, m, pool)
	c := wsDial(t, ts, "/", nil)
	if err := c.WriteMessage(ws.MessageText, []byte("die")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusBadGateway || !ce.Remote {
		t.Errorf("client saw %v; want a close frame 1014 from the proxy", err)
	}
	u := pool.Upstreams()[0]
	for i := 0; u.State() != Down; i++ { // the relay ends just after the close frame
		if i == 200 {
			t.Fatalf("upstream %s after its WebSocket died; want down (passive check, 1 failure)", u.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// passivePool is a pool of url that marks it down after one failure.
func passivePool(t testing.TB, url string) *Pool {
	t.Helper()
	p, err := NewPool(PoolConfig{Name: t.Name(), Passive: PassiveCheck{Failures: 1}}, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestWebSocketClientDies: a client that drops its connection without a
// close frame gets the backend a close frame 1001 (going away).
func TestWebSocketClientDies(t *testing.T) { wsRun(t, testWebSocketClientDies) }

func testWebSocketClientDies(t *testing.T, m triotest.Mode, leg string) {
	ended := make(chan *ws.CloseError, 1)
	pool := passivePool(t, wsBackend(t, leg, wsEcho(ended)))
	ts := wsFront(t, m, pool)
	c := wsDial(t, ts, "/", nil)
	if err := c.WriteMessage(ws.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	if ce := closeErr(t, ended); ce.Code != ws.StatusGoingAway || !ce.Remote {
		t.Errorf("backend saw %v; want a close frame 1001 from the proxy", ce)
	}
	u := pool.Upstreams()[0]
	for i := 0; u.Requests() != 0; i++ { // the relay ends and calls done
		if i == 200 {
			t.Fatalf("%d requests still open on the upstream", u.Requests())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // done's passive check follows the count
	if s := u.State(); s != Healthy {
		t.Errorf("upstream %s after its client died; want healthy: not the backend's failure", s)
	}
}

// TestWebSocketRefused: a backend's refusal reaches the client as its
// status; an unreachable backend is a 502.
func TestWebSocketRefused(t *testing.T) {
	for _, leg := range wsBackendLegs {
		t.Run(leg, func(t *testing.T) {
			backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "not here", http.StatusForbidden)
			}))
			for _, m := range wsClientModes {
				ts := wsFront(t, m, poolOf(t, backend))
				u, o := wsTarget(ts, "/", nil)
				_, res, err := ws.Dial(t.Context(), u, o)
				if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: Dial = %v, %v; want the backend's 403", m, res, err)
				}
			}
		})
	}
	ts := wsFront(t, triotest.H1, poolOf(t, "http://127.0.0.1:1"))
	u, o := wsTarget(ts, "/", nil)
	_, res, err := ws.Dial(t.Context(), u, o)
	if err == nil || res == nil || res.StatusCode != http.StatusBadGateway {
		t.Errorf("unreachable backend: Dial = %v, %v; want 502", res, err)
	}
}

// TestWebSocketRetry: a WebSocket whose first upstream cannot be reached
// opens on the next one.
func TestWebSocketRetry(t *testing.T) {
	for _, m := range wsClientModes {
		ts := wsFront(t, m, poolOf(t, "http://127.0.0.1:1", wsBackend(t, "h1", wsEcho(nil))))
		for i := range 3 { // round robin starts once on each
			c := wsDial(t, ts, "/", nil)
			if got := whomEcho(t, c, "retry"); got != "retry" {
				t.Errorf("%s #%d: echo %q", m, i, got)
			}
			c.Close(ws.StatusNormalClosure, "")
		}
	}
}
