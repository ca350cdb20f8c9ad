package h3_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/ws"
)

// TestWebSocket echoes over an RFC 9220 extended CONNECT with package ws,
// and Shutdown closes the WebSocket with 1001 through the server's hook.
func TestWebSocket(t *testing.T) { forEngines(t, testWebSocket) }

func testWebSocket(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h3.ExtendedConnectProtocol(r); p != "websocket" {
			http.Error(w, "protocol "+p, http.StatusBadRequest)
			return
		}
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			for {
				typ, p, err := c.ReadMessage()
				if err != nil {
					return
				}
				c.WriteMessage(typ, p)
			}
		}()
	}), h3.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "wss://"+ts.addr+"/ws", &ws.DialOptions{HTTP: "h3", TLSClientConfig: ts.cert.ClientTLS()})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.CloseNow()
	for _, msg := range []string{"one", "two", string(make([]byte, 100<<10))} {
		if err := c.WriteMessage(ws.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, p, err := c.ReadMessage(); err != nil || string(p) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(p), err)
		}
	}
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.srv.Shutdown(sctx)
	}()
	_, _, err = c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
		t.Errorf("read after Shutdown: %v; want close 1001", err)
	}
}
