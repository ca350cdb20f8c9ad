package h2

import "net/http"

// job is a stream whose handler is to run.
type job struct {
	st *stream
	h  http.Handler
}

// goLocked runs h for st on an idle handler goroutine of the connection,
// or on a new one.
func (c *conn) goLocked(st *stream, h http.Handler) {
	c.handlers.Add(1)
	c.workers.Go(job{st, h})
}
