package h3

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// A requestBody reads a request's DATA frames, then its trailers into
// Request.Trailer, and checks the total against content-length (RFC 9114
// section 4.1.2). Protocol errors close the connection or reset the
// stream, and are returned to the reader.
type requestBody struct {
	rs        *requestStream
	req       *http.Request
	remaining uint64 // payload bytes left in the current DATA frame
	n         int64  // payload bytes read so far
	trailers  bool   // trailing HEADERS seen
	err       error  // sticky: io.EOF or what ended the body
	closed    atomic.Bool
	expect    bool // send 100 Continue on the first read
	limits    bodyLimits
}

func (b *requestBody) init(rs *requestStream, req *http.Request) {
	b.rs, b.req = rs, req
	b.expect = expectsContinue(req)
	if cfg := rs.c.srv.cfg; req.Method != http.MethodConnect {
		b.limits.max, b.limits.timeout = cfg.maxBodyBytes(), cfg.bodyTimeout()
	}
}

// Read reads DATA payload bytes, within the body limits.
func (b *requestBody) Read(p []byte) (int, error) {
	if b.limits.refused.Load() {
		return 0, b.limits.refuseErr
	}
	armed := b.armDeadline()
	n, err := b.read(p)
	return b.checkLimits(n, err, armed)
}

func (b *requestBody) read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.expect {
		b.expect = false
		b.rs.w.sendContinue()
	}
	for b.remaining == 0 {
		if b.err != nil {
			return 0, b.err
		}
		if err := b.nextFrame(); err != nil {
			return 0, b.fail(err)
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if uint64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.rs.str.Read(p)
	b.remaining -= uint64(n)
	b.n += int64(n)
	if err == io.EOF {
		if b.remaining > 0 {
			return n, b.fail(errTruncated)
		}
		err = nil // seen again by the next frame header
	}
	if err != nil {
		return n, b.fail(err)
	}
	return n, nil
}

// Close makes further reads fail. What is left is discarded when the
// response is done.
func (b *requestBody) Close() error {
	b.closed.Store(true)
	return nil
}

// nextFrame reads up to the next DATA frame with payload, or to the end.
func (b *requestBody) nextFrame() error {
	typ, n, err := b.rs.fr.header()
	declLen := b.req.ContentLength
	switch {
	case err == io.EOF:
		if _, ok := b.req.Header["Content-Length"]; ok && b.n != declLen {
			return streamErr(b.rs.str.StreamID(), ErrMessage, fmt.Sprintf("body of %d bytes; content-length %d", b.n, declLen))
		}
		return io.EOF
	case err != nil:
		return err
	case typ == frameData && b.trailers, typ == frameHeaders && b.trailers:
		return connErr(ErrFrameUnexpected, fmt.Sprintf("frame type 0x%x after trailers", typ))
	case typ == frameData:
		if _, ok := b.req.Header["Content-Length"]; ok && b.n+int64(n) > declLen {
			return streamErr(b.rs.str.StreamID(), ErrMessage, fmt.Sprintf("body longer than content-length %d", declLen))
		}
		b.remaining = n
	case typ == frameHeaders:
		return b.readTrailers(n)
	case notOnRequestStream(typ):
		return connErr(ErrFrameUnexpected, fmt.Sprintf("frame type 0x%x on a request stream", typ))
	default:
		b.rs.fr.ignore(n)
	}
	return nil
}

// readTrailers reads a trailing HEADERS frame of n bytes into
// Request.Trailer.
func (b *requestBody) readTrailers(n uint64) error {
	limit := b.rs.c.srv.cfg.maxHeaderBytes()
	if n > uint64(limit) {
		return streamErr(b.rs.str.StreamID(), ErrExcessiveLoad, fmt.Sprintf("trailers of %d bytes", n))
	}
	block, err := b.rs.fr.payload(n)
	if err != nil {
		return err
	}
	fields, err := decodeFields(block, limit)
	if errors.Is(err, errTooLarge) {
		return streamErr(b.rs.str.StreamID(), ErrExcessiveLoad, "trailers too large")
	}
	if err != nil {
		return err
	}
	t, err := checkTrailers(fields)
	if err != nil {
		return &StreamError{StreamID: b.rs.str.StreamID(), Code: ErrMessage, Cause: fmt.Errorf("trailers: %w", err)}
	}
	if b.req.Trailer == nil {
		b.req.Trailer = make(http.Header, len(t))
	}
	for k, vv := range t {
		b.req.Trailer[k] = vv
	}
	b.trailers = true
	return nil
}

// fail records what ended the body and acts on it: a connection error
// closes the connection, a stream error resets the stream. A deadline
// error is returned but not kept: the read may be retried.
func (b *requestBody) fail(err error) error {
	if isTimeout(err) {
		return err
	}
	if errors.Is(err, errTruncated) {
		err = connErr(ErrFrame, "request stream ended inside a frame")
	}
	if se, ok := errors.AsType[*StreamError](err); ok {
		b.rs.reset(se.Code)
	}
	b.rs.c.fail(err)
	b.err = err
	return err
}
