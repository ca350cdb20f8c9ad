package ws_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestAcceptStream: the server answers with the subprotocol it was given
// and then reads and writes raw frames: the client's arrive masked, its
// own unmasked frame is the client's message.
func TestAcceptStream(t *testing.T) { run(t, testAcceptStream) }

func testAcceptStream(t *testing.T, m triotest.Mode) {
	got := make(chan []byte, 1)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ws.IsHandshake(r) {
			t.Errorf("IsHandshake(%s %s) = false", r.Method, r.Proto)
		}
		s, err := ws.AcceptStream(w, r, http.Header{"Sec-Websocket-Protocol": {"chat"}})
		if err != nil {
			t.Errorf("AcceptStream: %v", err)
			return
		}
		defer s.Close()
		if _, err := s.Write([]byte{0x81, 2, 'h', 'i'}); err != nil {
			t.Errorf("Write: %v", err)
		}
		frame := make([]byte, 2+4+3) // "abc", masked
		if _, err := io.ReadFull(s, frame); err != nil {
			t.Errorf("ReadFull: %v", err)
		}
		got <- frame
		io.Copy(io.Discard, s) // until the client's close
	}))
	c := dial(t, ts, "/", &ws.DialOptions{Subprotocols: []string{"x", "chat"}})
	if c.Subprotocol() != "chat" {
		t.Errorf("Subprotocol = %q; want chat", c.Subprotocol())
	}
	_, msg, err := c.ReadMessage()
	if err != nil || string(msg) != "hi" {
		t.Fatalf("ReadMessage = %q, %v; want hi", msg, err)
	}
	if err := c.WriteMessage(ws.MessageText, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	f := <-got
	if f[0] != 0x81 || f[1] != 0x80|3 {
		t.Fatalf("frame header % x; want 81 83 (masked text of 3)", f[:2])
	}
	for i := range 3 {
		f[6+i] ^= f[2+i%4]
	}
	if string(f[6:]) != "abc" {
		t.Errorf("payload %q; want abc", f[6:])
	}
	c.CloseNow()
}

// TestDialStream: the raw stream of a client carries frames as written,
// and the response shows what the server chose.
func TestDialStream(t *testing.T) { run(t, testDialStream) }

func testDialStream(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, echo(&ws.AcceptOptions{Subprotocols: []string{"chat"}}))
	u, o := wsURL(t, ts, "/", nil)
	o.Header = http.Header{"Sec-Websocket-Protocol": {"chat"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, resp, err := ws.DialStream(ctx, u, o)
	if err != nil {
		t.Fatalf("DialStream: %v", err)
	}
	defer s.Close()
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "chat" {
		t.Errorf("Sec-WebSocket-Protocol = %q; want chat", p)
	}
	if s.Proto() != m.Proto() {
		t.Errorf("Proto = %q; want %q", s.Proto(), m.Proto())
	}
	// A masked binary frame "xy" with key 1 2 3 4, then a close 1000.
	if _, err := s.Write([]byte{0x82, 0x82, 1, 2, 3, 4, 'x' ^ 1, 'y' ^ 2}); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, 4)
	if _, err := io.ReadFull(s, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, []byte{0x82, 2, 'x', 'y'}) {
		t.Errorf("echo % x; want 82 02 78 79", back)
	}
	if _, err := s.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 4)
	if _, err := io.ReadFull(s, reply); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reply, []byte{0x88, 2, 0x03, 0xe8}) {
		t.Errorf("close reply % x; want 88 02 03 e8", reply)
	}
}

// TestCheckHandshake: a request that is no WebSocket handshake is answered
// as Accept would; a good one is left unanswered.
func TestCheckHandshake(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	w := httptest.NewRecorder()
	if err := ws.CheckHandshake(w, r); err != nil || w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("good handshake: err %v, answered %d %q", err, w.Code, w.Body)
	}
	r.Header.Set("Sec-WebSocket-Key", "short")
	w = httptest.NewRecorder()
	if err := ws.CheckHandshake(w, r); err == nil || w.Code != http.StatusBadRequest {
		t.Errorf("bad key: err %v, status %d; want an error and 400", err, w.Code)
	}
	if ws.IsHandshake(httptest.NewRequest("GET", "/", nil)) {
		t.Error("IsHandshake(plain GET) = true")
	}
}

// TestStreamShutdown: a registry's shutdown runs a stream's OnShutdown
// function and waits for it.
func TestStreamShutdown(t *testing.T) {
	ran := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := ws.AcceptStream(w, r, nil)
		if err != nil {
			t.Errorf("AcceptStream: %v", err)
			return
		}
		s.OnShutdown(func() { close(ran); s.Close() })
	}))
	defer srv.Close()
	c, _, err := ws.Dial(context.Background(), "ws"+srv.URL[4:], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	reg := ws.ServerRegistry(srv.Config) // the handler's, from http.ServerContextKey
	for i := 0; reg.Len() != 1; i++ {    // the 101 may come before the stream is tracked
		if i == 100 {
			t.Fatalf("Len = %d; want 1", reg.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := reg.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
	default:
		t.Fatal("Shutdown returned without running OnShutdown")
	}
	if n := reg.Len(); n != 0 {
		t.Errorf("Len after Shutdown = %d; want 0", n)
	}
}
