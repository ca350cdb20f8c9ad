package ws_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestShutdown: shutting the server down closes WebSockets with 1001 on
// every transport, with nothing but trio.Server.Shutdown: the *http.Server's
// RegisterOnShutdown hook on HTTP/1.1 and HTTP/2, h3.RegisterOnShutdown on
// HTTP/3.
func TestShutdown(t *testing.T) { run(t, testShutdown) }

func testShutdown(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, echo(&ws.AcceptOptions{}))
	c := dial(t, ts, "/", nil)
	if err := c.WriteMessage(ws.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- ts.Server.Shutdown(ctx) }()
	_, _, err := c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || !ce.Remote {
		t.Fatalf("ReadMessage after Shutdown = %v; want close 1001 from the server", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v; want nil (the WebSocket was closed, nothing left to wait for)", err)
	}
	t.Logf("Shutdown took %v", time.Since(start).Round(time.Millisecond))
}
