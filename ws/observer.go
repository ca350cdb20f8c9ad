package ws

import "context"

// An Observer is told when a WebSocket that Accept accepted opens and when
// it closes: access logs and metrics use it (package observe). Accept
// finds it in the request's context under ObserverContextKey, so that
// middleware can observe WebSockets without this package knowing it.
// Its methods must not block.
type Observer interface {
	// WebSocketOpened is called by Accept once the handshake succeeded
	// (the response is sent), before Accept returns c.
	WebSocketOpened(c *Conn)
	// WebSocketClosed is called once, when c has closed, whoever closed
	// it, with the close code: the one received, the one sent, 1005 if
	// the close frame had none, or 1006 if there was no close frame.
	WebSocketClosed(c *Conn, code StatusCode)
}

// ObserverContextKey is the context key under which Accept looks for an
// Observer in the request's context.
var ObserverContextKey = &contextKey{"observer"}

type contextKey struct{ name string }

func (k *contextKey) String() string { return "ws context value " + k.name }

// observerFrom returns the Observer in ctx, or nil.
func observerFrom(ctx context.Context) Observer {
	o, _ := ctx.Value(ObserverContextKey).(Observer)
	return o
}
