package h2

// An Observer is told what the connections of a [Server] do: each
// connection when it starts and stops being served, and each stream when
// it opens (its request HEADERS, or the upgrade request) and when it
// closes (both sides done, or reset). The root package passes a
// trio.Observer through one. Methods are called with connection locks
// held and must not block.
type Observer interface {
	ConnOpened()
	ConnClosed()
	StreamOpened()
	StreamClosed()
}

// observer returns the Observer of c's Server, or nil.
func (c *conn) observer() Observer {
	if c.srv == nil {
		return nil
	}
	return c.srv.Observer
}
