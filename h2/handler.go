package h2

import (
	"errors"
	"net/http"
	"runtime"
	"time"

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
	c.goLocked(st, h)
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
		c.lingerLocked(st)
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
		c.goLocked(next, next.rw.h)
	}
	c.updateIdleLocked()
}

// bodyLinger is how long a stream whose response is complete waits for
// the rest of its request before the server asks the client to stop.
const bodyLinger = time.Second

// lingerLocked keeps st half-closed (local) after its handler returned
// while the client is still sending: its frames are still checked (RFC
// 9113 5.1, 8.1.1), its DATA discarded, returning connection window. If
// the request does not end within bodyLinger, or fills the stream window,
// RST_STREAM NO_ERROR asks the client to stop sending (RFC 9113 8.1).
func (c *conn) lingerLocked(st *stream) {
	st.bodyClosed = true
	if n := len(st.in) - st.inOff; n > 0 {
		c.consumedLocked(nil, int64(n))
	}
	st.in, st.inOff = nil, 0
	// The read deadline, no longer used by a reader, ends the wait:
	// see onReadTimer.
	c.setDeadlineLocked(st, time.Now().Add(bodyLinger), false)
}

// stopLingerLocked resets st if its request outlived its response.
func (c *conn) stopLingerLocked(st *stream) {
	if st.handlerDone && !st.remoteClosed && c.streams[st.id] == st {
		c.resetLocked(st, http2.ErrCodeNo, errHandlerDone)
	}
}
