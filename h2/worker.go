package h2

import (
	"net/http"
	"time"
)

// Why handler goroutines are reused: a new goroutine starts with a small
// stack, and serving a request (net/http's header code, a static file, a
// TLS write) grows it by copying it several times. At 1 KiB over h2 that
// copying took 30% of trio's CPU (perf: runtime.newstack, copystack). A
// goroutine whose handler returned waits up to workerIdle for the next
// stream of its connection and serves it on the stack it already has.

// workerIdle is how long a handler goroutine waits for another stream.
const workerIdle = time.Second

// job is a stream whose handler is to run.
type job struct {
	st *stream
	h  http.Handler
}

// goLocked runs h for st on an idle handler goroutine of the connection,
// or on a new one.
func (c *conn) goLocked(st *stream, h http.Handler) {
	c.handlers.Add(1)
	select {
	case c.jobs <- job{st, h}:
	default:
		c.workers.Add(1)
		go c.work(st, h)
	}
}

// work runs handlers until none comes for workerIdle or the connection
// ends.
func (c *conn) work(st *stream, h http.Handler) {
	defer c.workers.Done()
	var idle *time.Timer
	for {
		c.runHandler(st, h)
		if idle == nil {
			idle = time.NewTimer(workerIdle)
		} else {
			idle.Reset(workerIdle)
		}
		c.idleWorkers.Add(1)
		select {
		case j := <-c.jobs:
			c.idleWorkers.Add(-1)
			st, h = j.st, j.h
		case <-idle.C:
			c.idleWorkers.Add(-1)
			return
		case <-c.ctx.Done():
			c.idleWorkers.Add(-1)
			idle.Stop()
			return
		}
	}
}
