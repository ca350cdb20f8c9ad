package h2

import (
	"context"
	"net/http"

	"golang.org/x/net/http2"
)

// processHeaders handles a HEADERS frame: a new request, or trailers.
func (c *conn) processHeaders(f *http2.HeadersFrame) error {
	id := f.StreamID
	if id%2 == 0 {
		return connErr(http2.ErrCodeProtocol, "even stream ID")
	}
	if err := c.readHeaderBlock(f); err != nil {
		return err
	}
	if c.trace != nil {
		c.trace.readHeaders(f, c.hb.fields)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.streams[id]; st != nil {
		if st.resetSent {
			return nil
		}
		if st.remoteClosed {
			return streamErr(id, http2.ErrCodeStreamClosed, "HEADERS on half-closed stream")
		}
		return c.processTrailersLocked(st, f)
	}
	if id <= c.maxID {
		if c.wasResetLocked(id) || c.ignoredLocked(id) {
			return nil
		}
		return connErr(http2.ErrCodeStreamClosed, "HEADERS on closed stream")
	}
	c.maxID = id
	if c.ignoredLocked(id) || c.dead != nil {
		return nil
	}
	if f.HasPriority() && f.Priority.StreamDep == id {
		return streamErr(id, http2.ErrCodeProtocol, "stream depends on itself")
	}
	if uint32(len(c.streams)) >= c.maxStreams {
		return streamErr(id, http2.ErrCodeRefusedStream, "too many streams")
	}
	st := c.newStreamLocked(id)
	h := c.h
	if c.hb.truncated {
		h = http.HandlerFunc(headerTooLarge)
		if c.hb.tooMany {
			h = http.HandlerFunc(headerFieldsTooMany)
			c.cfg.limitHit(LimitHeaderFields)
		}
	}
	// The request is built with its context: no second Request from
	// WithContext.
	st.ctx, st.cancel = context.WithCancel(c.ctx)
	req, err := c.newRequest(st, c.hb.fields, f.StreamEnded())
	if err != nil {
		st.cancel()
		return &StreamError{StreamID: id, Code: http2.ErrCodeProtocol, Cause: err}
	}
	if n := c.cfg.maxBodyBytes(); n > 0 && req.ContentLength > n && !c.hb.truncated && req.Method != http.MethodConnect {
		h = http.HandlerFunc(bodyTooLarge)
		st.bodyClosed = true // its DATA is discarded
		c.cfg.limitHit(LimitBodyBytes)
	}
	c.streams[id] = st
	if o := c.observer(); o != nil {
		o.StreamOpened()
	}
	c.updateIdleLocked()
	st.req = req
	if f.StreamEnded() {
		st.remoteClosed = true
	}
	c.applyServerTimeoutsLocked(st)
	c.startLocked(st, h)
	return nil
}

// ignoredLocked reports whether stream id came after the final GOAWAY:
// its frames are ignored (RFC 9113 6.8).
func (c *conn) ignoredLocked(id uint32) bool { return c.goAway == 2 && id > c.goAwayID }

func headerTooLarge(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "431 Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
}

// newStreamLocked creates stream id with the connection's windows.
func (c *conn) newStreamLocked(id uint32) *stream {
	st := &stream{
		c:        c,
		id:       id,
		sendWin:  c.peerWin,
		recvWin:  initialStreamWindow,
		recvSize: initialStreamWindow,
		declLen:  -1,
	}
	st.cond.L = &c.mu
	st.wcond.L = &c.mu
	st.body.st = st
	return st
}

// processTrailersLocked handles a second HEADERS on st: trailers, which
// must end the stream and carry no pseudo-header fields.
func (c *conn) processTrailersLocked(st *stream, f *http2.HeadersFrame) error {
	if !f.StreamEnded() {
		return streamErr(st.id, http2.ErrCodeProtocol, "trailers without END_STREAM")
	}
	if err := checkTrailers(c.hb.fields); err != nil {
		return &StreamError{StreamID: st.id, Code: http2.ErrCodeProtocol, Cause: err}
	}
	if st.declLen >= 0 && st.bodyLen != st.declLen {
		return streamErr(st.id, http2.ErrCodeProtocol, "content-length mismatch")
	}
	for _, hf := range c.hb.fields {
		if st.trailer == nil {
			st.trailer = make(http.Header)
		}
		k := canonicalKey(hf.Name)
		st.trailer[k] = append(st.trailer[k], hf.Value)
	}
	c.remoteEndLocked(st)
	return nil
}
