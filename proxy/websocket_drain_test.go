package proxy

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// named is a backend that answers every message with its name, and sends
// how the client closed to ended.
func named(name string, ended chan<- *ws.CloseError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, _, err := c.ReadMessage()
			if err != nil {
				ce, _ := err.(*ws.CloseError)
				ended <- ce
				return
			}
			if c.WriteMessage(ws.MessageText, []byte(name)) != nil {
				return
			}
		}
	})
}

// whom asks c's backend for its name.
func whom(t testing.TB, c *ws.Conn) string {
	t.Helper()
	if err := c.WriteMessage(ws.MessageText, []byte("who?")); err != nil {
		t.Fatal(err)
	}
	_, name, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return string(name)
}

// TestWebSocketDrain: removing the upstream of an open WebSocket closes it
// with 1012 on the client (the backend gets 1001), and the client's new
// WebSocket goes to the other upstream.
func TestWebSocketDrain(t *testing.T) { wsRun(t, testWebSocketDrain) }

func testWebSocketDrain(t *testing.T, m triotest.Mode, leg string) {
	ended := map[string]chan *ws.CloseError{"a": make(chan *ws.CloseError, 1), "b": make(chan *ws.CloseError, 1)}
	url := map[string]string{"a": wsBackend(t, leg, named("a", ended["a"])), "b": wsBackend(t, leg, named("b", ended["b"]))}
	pool, err := NewPool(PoolConfig{Name: t.Name(), DrainGrace: -1}, url["a"], url["b"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ts := wsFront(t, m, pool)
	c := wsDial(t, ts, "/", nil)
	first := whom(t, c)
	other := map[string]string{"a": "b", "b": "a"}[first]
	if n := pool.Upstreams()[map[string]int{"a": 0, "b": 1}[first]].WebSockets(); n != 1 {
		t.Errorf("upstream %s counts %d WebSockets; want 1", first, n)
	}
	if err := pool.Update(url[other]); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusServiceRestart || ce.Reason != DrainReason || !ce.Remote {
		t.Errorf("client saw %v; want 1012 %q", err, DrainReason)
	}
	if be := closeErr(t, ended[first]); be.Code != ws.StatusGoingAway || !be.Remote {
		t.Errorf("drained backend saw %v; want 1001 from the proxy", be)
	}
	c = wsDial(t, ts, "/", nil)
	if got := whom(t, c); got != other {
		t.Errorf("reconnected to %s; want %s", got, other)
	}
	c.Close(ws.StatusNormalClosure, "")
}

// TestWebSocketShutdown: shutting the proxy's server down closes its
// WebSockets with 1001 on both legs, within the close handshake's bound.
func TestWebSocketShutdown(t *testing.T) {
	for _, m := range wsClientModes {
		t.Run(string(m), func(t *testing.T) {
			ended := make(chan *ws.CloseError, 1)
			ts := wsFront(t, m, poolOf(t, wsBackend(t, "h1", named("a", ended))))
			c := wsDial(t, ts, "/", nil)
			whom(t, c)
			got := make(chan error, 1)
			go func() {
				_, _, err := c.ReadMessage()
				got <- err
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			start := time.Now()
			if err := ts.Server.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown = %v after %v", err, time.Since(start))
			}
			var ce *ws.CloseError
			if err := <-got; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || !ce.Remote {
				t.Errorf("client saw %v; want 1001 from the proxy", err)
			}
			if be := closeErr(t, ended); be.Code != ws.StatusGoingAway {
				t.Errorf("backend saw %v; want 1001", be)
			}
		})
	}
}
