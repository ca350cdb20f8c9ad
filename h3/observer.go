package h3

// An Observer is told what the connections of a [Server] on trio's engine
// do: each QUIC connection when it starts and stops being served (after
// its handshake), and each request stream when it is accepted and when it
// is no longer in use (the handler returned, or the WebSocket on it
// closed). The root package passes a trio.Observer through one. Methods
// must not block. The std engine reports nothing.
type Observer interface {
	ConnOpened()
	ConnClosed()
	StreamOpened()
	StreamClosed()
}
