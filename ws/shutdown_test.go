package ws_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testserver"
	"github.com/triohttp/trio/ws"
)

// TestShutdown: shutting the server down closes WebSockets with 1001,
// through the *http.Server's RegisterOnShutdown hook on HTTP/1.1 and
// HTTP/2; on HTTP/3 through a Registry shut down alongside (the root
// does not call one yet).
func TestShutdown(t *testing.T) { run(t, testShutdown) }

func testShutdown(t *testing.T, m testserver.Mode) {
	reg := new(ws.Registry)
	opts := &ws.AcceptOptions{}
	if m.Base() == testserver.H3 {
		opts.Registry = reg
	}
	ts := testserver.New(t, m, echo(opts))
	c := dial(t, ts, "/", nil)
	if err := c.WriteMessage(ws.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.Base() == testserver.H3 {
		go reg.Shutdown(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- ts.Server.Shutdown(ctx) }()
	_, _, err := c.ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway || !ce.Remote {
		t.Fatalf("ReadMessage after Shutdown = %v; want close 1001 from the server", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if reg.Len() != 0 {
		t.Errorf("registry holds %d connections after shutdown", reg.Len())
	}
}
