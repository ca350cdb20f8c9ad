package h2

import (
	"errors"
	"net/http"
	"runtime"

	"golang.org/x/net/http2"
)

// maxQueuedHandlers bounds streams waiting for a handler slot: streams
// the client reset still occupy a slot until their handler returns.
func (c *conn) maxQueuedHandlers() int { return 4 * int(c.maxStreams) }

// startLocked runs st's handler, or queues it when maxStreams handlers
// are already running (handlers of reset streams may linger).
func (c *conn) startLocked(st *stream, h http.Handler) {
	st.rw.init(st)
	if c.running >= int(c.maxStreams) {
		c.queue = append(c.queue, st)
		st.rw.h = h
		if len(c.queue) > c.maxQueuedHandlers() {
			c.connErrorLocked(connErr(http2.ErrCodeEnhanceYourCalm, "too many handlers"))
		}
		return
	}
	c.running++
	st.started = true
	c.handlers.Add(1)
	go c.runHandler(st, h)
}

// runHandler serves one request and finishes its response.
func (c *conn) runHandler(st *stream, h http.Handler) {
	defer c.handlers.Done()
	defer c.handlerDone(st)
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				c.logf("h2: panic serving %v: %v\n%s", c.remoteAddr, v, buf)
			}
			c.mu.Lock()
			c.resetLocked(st, http2.ErrCodeInternal, errors.New("handler panic"))
			c.mu.Unlock()
		}
	}()
	h.ServeHTTP(&st.rw, st.req)
	st.rw.finish()
}

// handlerDone releases the handler slot and starts a queued handler.
func (c *conn) handlerDone(st *stream) {
	st.rw.release()
	c.mu.Lock()
	defer c.mu.Unlock()
	st.handlerDone = true
	if !st.localClosed {
		// The handler returned without a complete response (panic or
		// failed write): nothing more will be sent.
		c.resetLocked(st, http2.ErrCodeInternal, errHandlerDone)
	}
	if !st.remoteClosed {
		// RFC 9113 8.1: the response is complete; ask the client to
		// stop sending the request body.
		c.resetLocked(st, http2.ErrCodeNo, errHandlerDone)
	}
	st.cancel()
	c.running--
	for len(c.queue) > 0 && c.running < int(c.maxStreams) {
		next := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		if next.localClosed {
			continue // reset while queued
		}
		c.running++
		next.started = true
		c.handlers.Add(1)
		go c.runHandler(next, next.rw.h)
	}
	c.updateIdleLocked()
}
