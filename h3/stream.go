package h3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"golang.org/x/net/http/httpguts"
)

// A requestStream is one bidirectional request stream: its frames, the
// request, its body and the response.
type requestStream struct {
	c        *conn
	str      *quic.Stream
	fr       frameReader
	body     requestBody
	w        responseWriter
	released atomic.Bool  // streamDone called
	wscan    frameScanner // the frames written, for qlog
	ctx      streamCtx    // the request's context; see streamCtx
}

// serveStream reads a request from str, runs the handler and finishes
// the response. A stream taken over by a WebSocket stays in use until the
// WebSocket closes it.
func (c *conn) serveStream(str *quic.Stream) {
	rs := &requestStream{c: c, str: str}
	rs.ctx = streamCtx{str.Context(), c} // the request's context
	rs.fr.r = str
	if c.qlog != nil {
		rs.fr.traceOn(c, str.StreamID())
	}
	defer func() {
		if !rs.w.hijacked {
			rs.release()
		}
	}()
	req, err := rs.readHeaders()
	if err != nil {
		rs.abort(err)
		return
	}
	req.RemoteAddr = c.remote
	req.TLS = c.tlsState()
	rs.w.init(rs, req.Method == http.MethodHead)
	if c.srv.cfg.Allow0RTT && !c.handshakeDone() && !safeMethod(req.Method) {
		// RFC 8470 section 5.2: a replayable request the server will not
		// process; the client retries after the handshake.
		rs.w.WriteHeader(http.StatusTooEarly)
		rs.w.finish()
		return
	}
	if n := c.srv.cfg.maxBodyBytes(); n > 0 && req.ContentLength > n && req.Method != http.MethodConnect {
		c.srv.cfg.limitHit(LimitBodyBytes)
		rs.w.WriteHeader(http.StatusRequestEntityTooLarge)
		rs.w.finish() // stops the body with H3_NO_ERROR
		return
	}
	// The request has rs.ctx (see streamCtx), but a WebSocket may outlive
	// a CONNECT's handler.
	var cancel context.CancelFunc
	if req.Method == http.MethodConnect {
		var ctx context.Context
		ctx, cancel = context.WithCancel(&rs.ctx)
		req = req.WithContext(ctx)
	}
	rs.body.init(rs, req)
	req.Body = &rs.body
	panicked := rs.runHandler(req)
	if cancel != nil {
		cancel()
	}
	switch {
	case rs.w.hijacked:
	case panicked:
		rs.reset(ErrInternal)
	default:
		rs.w.finish()
	}
}

// runHandler calls the handler, recovering a panic as net/http does: a
// log line with the stack, nothing for http.ErrAbortHandler.
func (rs *requestStream) runHandler(req *http.Request) (panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			if p == http.ErrAbortHandler {
				return
			}
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			rs.c.srv.logger().Error("h3: panic serving "+rs.c.remote, "panic", p, "stack", string(buf))
		}
	}()
	rs.c.srv.handler.ServeHTTP(&rs.w, req)
	return false
}

// readHeaders reads frames up to the request's HEADERS and builds the
// request: reserved and unknown frames are skipped, DATA and control
// frames are H3_FRAME_UNEXPECTED (RFC 9114 sections 4.1, 7.2).
func (rs *requestStream) readHeaders() (*http.Request, error) {
	limit := rs.c.srv.cfg.maxHeaderBytes()
	for {
		typ, n, err := rs.fr.header()
		switch {
		case err == io.EOF:
			return nil, streamErr(rs.str.StreamID(), ErrRequestIncomplete, "stream ended before HEADERS")
		case err != nil:
			return nil, err
		case typ == frameData:
			return nil, connErr(ErrFrameUnexpected, "DATA before HEADERS")
		case notOnRequestStream(typ):
			return nil, connErr(ErrFrameUnexpected, fmt.Sprintf("frame type 0x%x on a request stream", typ))
		case typ != frameHeaders:
			rs.fr.ignore(n)
			continue
		case n > uint64(limit):
			return nil, errTooLarge
		}
		sec := getSection(n, rs.fr.qlog == nil)
		defer putSection(sec)
		block, err := rs.fr.payloadInto(sec.block, n)
		if err != nil {
			return nil, err
		}
		sec.fields, err = appendRequestFields(sec.fields, block, limit, rs.c.srv.cfg.maxHeaderFields())
		if err != nil {
			return nil, err
		}
		req, err := newRequest(&rs.ctx, sec.fields)
		if err != nil {
			return nil, &StreamError{StreamID: rs.str.StreamID(), Code: ErrMessage, Cause: err}
		}
		return req, nil
	}
}

// notOnRequestStream reports frame types a client must not send on a
// request stream.
func notOnRequestStream(typ uint64) bool {
	switch typ {
	case frameSettings, frameGoaway, frameMaxPushID, frameCancelPush, framePushPromise:
		return true
	}
	return isH2Frame(typ)
}

// abort ends a stream whose request could not be served, as err says:
// a connection error closes the connection, a stream error resets the
// stream, a field section too large gets 431.
func (rs *requestStream) abort(err error) {
	if errors.Is(err, errTruncated) {
		err = connErr(ErrFrame, "request stream ended inside a frame")
	}
	var se *StreamError
	switch {
	case errors.As(err, new(*ConnError)):
		rs.c.fail(err)
	case errors.As(err, &se):
		rs.reset(se.Code)
	case errors.Is(err, errTooLarge), errors.Is(err, errTooManyFields):
		if errors.Is(err, errTooManyFields) {
			rs.c.srv.cfg.limitHit(LimitHeaderFields)
		}
		rs.str.CancelRead(quic.StreamErrorCode(ErrExcessiveLoad))
		rs.w.init(rs, false)
		rs.w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
		rs.w.finish()
	default: // reset by the client, or the connection is gone
		rs.reset(ErrRequestCancelled)
	}
}

// reset ends the stream in both directions with code.
func (rs *requestStream) reset(code ErrCode) {
	rs.str.CancelRead(quic.StreamErrorCode(code))
	rs.str.CancelWrite(quic.StreamErrorCode(code))
}

// release marks the stream as no longer in use, once.
func (rs *requestStream) release() {
	if rs.released.CompareAndSwap(false, true) {
		if rs.w.hijacked {
			rs.c.wsClosed()
		}
		rs.c.streamDone()
	}
}

// safeMethod reports the methods RFC 9110 section 9.2.1 calls safe,
// which trio answers even in 0-RTT data.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// expectsContinue reports an Expect: 100-continue request.
func expectsContinue(r *http.Request) bool {
	return httpguts.HeaderValuesContainsToken(r.Header["Expect"], "100-continue")
}

// isTimeout reports a deadline error, after which reads may be retried.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
