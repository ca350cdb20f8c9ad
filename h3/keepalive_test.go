package h3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/h3"
)

// wsEcho answers an extended CONNECT and echoes the stream's bytes.
var wsEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	st, err := h3.AcceptWebSocket(w, r, nil)
	if err != nil {
		return
	}
	go func() {
		defer st.Close()
		io.Copy(st, st)
	}()
})

// idleWebSocket opens a WebSocket stream to ts from a client that sends
// no keep-alive of its own and accepts idle as its QUIC idle timeout.
func idleWebSocket(t *testing.T, ts *testServer, idle time.Duration) (*quic.Conn, *h3.WebSocketStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, ts.addr, ts.cert.ClientTLS("h3"), &quic.Config{MaxIdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qc.CloseWithError(0x100, "") })
	cc := (&http3.Transport{}).NewClientConn(qc)
	_, st, err := h3.DialWebSocket(ctx, cc, newRequest(t, "GET", ts.url+"/ws", nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return qc, st
}

// TestKeepAliveWebSocket: an idle WebSocket over HTTP/3 outlives the QUIC
// idle timeout (3 s here) by three times, kept alive by the server, and
// still echoes; with TRIO_LONG=1, for 5 minutes with the default 30 s.
func TestKeepAliveWebSocket(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			idle, wait := 3*time.Second, 10*time.Second
			cfg := h3.Config{QUICIdleTimeout: idle}
			if os.Getenv("TRIO_LONG") == "1" {
				idle, wait, cfg = 30*time.Second, 5*time.Minute, h3.Config{}
			}
			ts := newTestServer(t, e, wsEcho, cfg)
			qc, st := idleWebSocket(t, ts, idle)
			start := time.Now()
			select {
			case <-qc.Context().Done():
				t.Fatalf("connection closed after %v idle: %v", time.Since(start).Round(time.Millisecond), context.Cause(qc.Context()))
			case <-time.After(wait):
			}
			st.SetReadDeadline(time.Now().Add(5 * time.Second))
			st.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := st.Write([]byte("still here")); err != nil {
				t.Fatalf("write after %v idle: %v", wait, err)
			}
			buf := make([]byte, 10)
			if _, err := io.ReadFull(st, buf); err != nil || string(buf) != "still here" {
				t.Fatalf("echo after %v idle: %q, %v; want %q", wait, buf, err, "still here")
			}
			t.Logf("%s: WebSocket idle for %v with a QUIC idle timeout of %v: open, echoes", e, wait, idle)
		})
	}
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		// Without keep-alive the same WebSocket dies at the idle timeout:
		// what the test above would catch.
		ts := newTestServer(t, h3.EngineTrio, wsEcho, h3.Config{QUICIdleTimeout: 2 * time.Second, KeepAlivePeriod: -1})
		qc, _ := idleWebSocket(t, ts, 2*time.Second)
		select {
		case <-qc.Context().Done():
		case <-time.After(6 * time.Second):
			t.Fatal("idle WebSocket without keep-alive still open after 6s; want closed at the 2s idle timeout")
		}
		var ie *quic.IdleTimeoutError
		if err := context.Cause(qc.Context()); !errors.As(err, &ie) {
			t.Errorf("closed with %v; want an idle timeout", err)
		}
	})
}
