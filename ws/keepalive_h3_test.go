package ws_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestDialH3KeepAlive: ws.Dial's HTTP/3 client keeps its QUIC connection
// alive, so an idle WebSocket outlives the idle timeout (3 s here, three
// times over) on a server that sends no keep-alive of its own; with
// TRIO_LONG=1, for 5 minutes with quic-go's default 30 s. Without
// keep-alive the same WebSocket dies at the idle timeout.
func TestDialH3KeepAlive(t *testing.T) {
	t.Run("on", func(t *testing.T) {
		t.Parallel()
		idle, wait := 3*time.Second, 10*time.Second
		if os.Getenv("TRIO_LONG") == "1" {
			idle, wait = 30*time.Second, 5*time.Minute
		}
		c := idleH3(t, idle, &quic.Config{MaxIdleTimeout: idle})
		time.Sleep(wait)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stop := context.AfterFunc(ctx, func() { c.CloseNow() })
		defer stop()
		if err := c.WriteMessage(ws.MessageText, []byte("still here")); err != nil {
			t.Fatalf("write after %v idle: %v", wait, err)
		}
		_, msg, err := c.ReadMessage()
		if err != nil || string(msg) != "still here" {
			t.Fatalf("echo after %v idle: %q, %v; want %q", wait, msg, err, "still here")
		}
		t.Logf("WebSocket over h3 idle for %v with a QUIC idle timeout of %v: open, echoes", wait, idle)
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		c := idleH3(t, 2*time.Second, &quic.Config{MaxIdleTimeout: 2 * time.Second, KeepAlivePeriod: -1})
		got := make(chan error, 1)
		go func() {
			_, _, err := c.ReadMessage()
			got <- err
		}()
		select {
		case err := <-got:
			if err == nil {
				t.Fatal("read a message; want the connection gone")
			}
		case <-time.After(6 * time.Second):
			t.Fatal("WebSocket without keep-alive still open after 6s; want closed at the 2s idle timeout")
		}
	})
}

// idleH3 serves the echo handler over HTTP/3 with the QUIC idle timeout
// idle and no server keep-alive, and dials it with qc.
func idleH3(t *testing.T, idle time.Duration, qc *quic.Config) *ws.Conn {
	ts := triotest.New(t, triotest.H3, echo(nil), func(s *trio.Server) {
		s.H3.QUICIdleTimeout = idle
		s.H3.KeepAlivePeriod = -1
	})
	return dial(t, ts, "/", &ws.DialOptions{QUICConfig: qc})
}
