package h2

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/internal/httpmsg"
	"golang.org/x/net/http/httpguts"
)

// bufSize is the response buffer: a handler's small writes gather here
// and the first bufSize bytes decide Content-Length and Content-Type.
const bufSize = 16 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}

// responseWriter is the http.ResponseWriter of a stream. It also
// implements http.Flusher and the methods http.ResponseController looks
// for. Only the handler goroutine uses its fields.
type responseWriter struct {
	st          *stream
	h           http.Handler // set while queued
	header      http.Header
	status      int
	wroteHeader bool // the final status is chosen
	sentHeader  bool // the final HEADERS is queued
	done        bool // the handler returned
	head        bool
	buf         *[]byte
	written     int64
	declLen     int64 // Content-Length set by the handler, or -1
	trailers    []string
}

func (rw *responseWriter) init(st *stream) {
	rw.st = st
	rw.head = st.req.Method == "HEAD"
	rw.declLen = -1
}

func (rw *responseWriter) release() {
	if rw.buf != nil {
		*rw.buf = (*rw.buf)[:0]
		bufPool.Put(rw.buf)
		rw.buf = nil
	}
}

// Header returns the response header map.
func (rw *responseWriter) Header() http.Header {
	if rw.header == nil {
		rw.header = make(http.Header)
	}
	return rw.header
}

// WriteHeader sends an informational response (1xx) at once, or records
// the final status, sent with the first flush.
func (rw *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic("h2: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if rw.done || rw.wroteHeader {
		if !rw.done {
			rw.st.c.logf("h2: superfluous WriteHeader(%d)", code)
		}
		return
	}
	if code < 200 {
		if code != http.StatusSwitchingProtocols {
			rw.st.c.writeInformational(rw.st, code, rw.header)
		}
		return
	}
	rw.wroteHeader, rw.status = true, code
	if cl := rw.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			rw.declLen = n
		} else {
			rw.header.Del("Content-Length")
		}
	}
	if vv, ok := rw.header["Trailer"]; ok {
		for _, v := range vv {
			for _, k := range strings.Split(v, ",") {
				if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" {
					rw.trailers = append(rw.trailers, k)
				}
			}
		}
	}
}

func bodyAllowed(status int) bool { return status >= 200 && status != 204 && status != 304 }

// Write buffers p, sending DATA once the buffer fills.
func (rw *responseWriter) Write(p []byte) (int, error) {
	if err := rw.refusal(); err != nil {
		return 0, err
	}
	if rw.done {
		return 0, errHandlerDone
	}
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(rw.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if rw.declLen >= 0 && rw.written+int64(len(p)) > rw.declLen {
		return 0, http.ErrContentLength
	}
	rw.written += int64(len(p))
	if rw.head {
		return len(p), nil
	}
	if rw.buf == nil {
		rw.buf = bufPool.Get().(*[]byte)
	}
	if len(*rw.buf)+len(p) <= bufSize {
		*rw.buf = append(*rw.buf, p...)
		return len(p), nil
	}
	if err := rw.flush(p, false, nil); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write without a conversion.
func (rw *responseWriter) WriteString(s string) (int, error) {
	if rw.buf != nil && !rw.st.refused.Load() && len(*rw.buf)+len(s) <= bufSize && rw.wroteHeader && !rw.done &&
		bodyAllowed(rw.status) && !rw.head && (rw.declLen < 0 || rw.written+int64(len(s)) <= rw.declLen) {
		rw.written += int64(len(s))
		*rw.buf = append(*rw.buf, s...)
		return len(s), nil
	}
	return rw.Write([]byte(s))
}

// Flush sends the header and buffered data (http.Flusher).
func (rw *responseWriter) Flush() { rw.FlushError() }

// FlushError is Flush reporting failure (http.ResponseController).
func (rw *responseWriter) FlushError() error {
	if err := rw.refusal(); err != nil {
		return err
	}
	if rw.done {
		return errHandlerDone
	}
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.flush(nil, false, nil)
}

// EnableFullDuplex is a no-op: HTTP/2 streams are always full duplex.
func (rw *responseWriter) EnableFullDuplex() error { return nil }

// SetReadDeadline sets the deadline for reading the request body.
func (rw *responseWriter) SetReadDeadline(t time.Time) error {
	c := rw.st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	rw.st.ownReadDL = true
	c.setDeadlineLocked(rw.st, t, false)
	return nil
}

// SetWriteDeadline sets the deadline for writing the response; when it
// passes the stream is reset.
func (rw *responseWriter) SetWriteDeadline(t time.Time) error {
	rw.st.c.setDeadline(rw.st, t, true)
	return nil
}

// finish completes the response after the handler returned.
func (rw *responseWriter) finish() {
	if rw.refusal() != nil {
		return
	}
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	rw.done = true
	rw.flush(nil, true, rw.trailerFields())
}

// trailerFields collects the declared and http.TrailerPrefix trailers.
func (rw *responseWriter) trailerFields() []field {
	var fs []field
	for _, k := range rw.trailers {
		for _, v := range rw.header[k] {
			fs = append(fs, field{lowerKey(k), v})
		}
	}
	for k, vv := range rw.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			for _, v := range vv {
				fs = append(fs, field{strings.ToLower(name), v})
			}
		}
	}
	return fs
}

// field is a header field to encode.
type field struct{ name, value string }

// isTrailer reports whether k was declared as a trailer.
func (rw *responseWriter) isTrailer(k string) bool {
	for _, t := range rw.trailers {
		if t == k {
			return true
		}
	}
	return false
}

// flush sends the header if not sent yet, the buffer, then p; with end it
// ends the stream, with trailers if there are any.
func (rw *responseWriter) flush(p []byte, end bool, trailers []field) error {
	st, c := rw.st, rw.st.c
	var buf []byte
	if rw.buf != nil {
		buf = *rw.buf
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.err != nil {
		return st.err
	}
	if c.dead != nil {
		return errConnClosed
	}
	endData := end && len(trailers) == 0
	if !rw.sentHeader {
		// Wait for room before encoding: HPACK blocks go out in order.
		if err := c.roomLocked(st, headerRoom); err != nil {
			return err
		}
		endNow := endData && len(buf) == 0 && len(p) == 0
		c.writeResponseHeaderLocked(rw, buf, p, endNow)
		rw.sentHeader = true
		if endNow {
			c.localEndLocked(st)
			return nil
		}
	}
	if !rw.head {
		if err := c.writeDataLocked(st, buf, endData && len(p) == 0); err != nil {
			return err
		}
		if rw.buf != nil {
			*rw.buf = (*rw.buf)[:0]
		}
		if len(p) > 0 {
			if err := c.writeDataLocked(st, p, endData); err != nil {
				return err
			}
		}
	} else if endData {
		if err := c.writeDataLocked(st, nil, true); err != nil {
			return err
		}
	}
	if end && len(trailers) > 0 {
		c.writeFieldsLocked(st, trailers, true)
	}
	if end {
		c.localEndLocked(st)
	}
	return nil
}

// headerRoom is the write-buffer room a response HEADERS waits for; a
// larger header block grows the buffer.
const headerRoom = 1 << 10

// localEndLocked records that the server ended st.
func (c *conn) localEndLocked(st *stream) {
	st.localClosed = true
	c.closeStreamLocked(st)
}

var statusStrings = func() (s [1000]string) {
	for i := 100; i < 1000; i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// skipResponseHeader reports header keys never sent in HTTP/2.
func skipResponseHeader(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade":
		return true
	}
	return strings.HasPrefix(k, http.TrailerPrefix)
}

// writeResponseHeaderLocked queues the final HEADERS of rw, adding Date,
// a sniffed Content-Type and, once the handler is done, Content-Length.
func (c *conn) writeResponseHeaderLocked(rw *responseWriter, buf, p []byte, end bool) {
	b := c.enc.status(c.enc.begin(c.hdrBuf[:0]), rw.status)
	h := rw.header
	for k, vv := range h {
		if skipResponseHeader(k) || len(rw.trailers) > 0 && rw.isTrailer(k) {
			continue
		}
		for _, v := range vv {
			if httpguts.ValidHeaderFieldValue(v) {
				b = c.enc.field(b, k, v)
			}
		}
	}
	if _, ok := h["Date"]; !ok {
		b = appendLiteral(b, hpackDate, httpmsg.Date())
	}
	if bodyAllowed(rw.status) {
		if _, ok := h["Content-Type"]; !ok && (len(buf) > 0 || len(p) > 0) {
			sniff := buf
			if len(sniff) == 0 {
				sniff = p
			}
			b = c.enc.field(b, "Content-Type", http.DetectContentType(sniff[:min(len(sniff), 512)]))
		}
		if rw.done && rw.declLen < 0 && len(rw.trailers) == 0 && (rw.written > 0 || !rw.head) {
			var nb [20]byte
			b = appendLiteral(b, hpackContentLength, strconv.AppendInt(nb[:0], rw.written, 10))
		}
	}
	c.hdrBuf = b
	rw.st.hdrSent = true
	c.out = appendHeaderBlock(c.out, rw.st.id, b, end, c.peerFrame)
	c.signalLocked()
}

// writeFieldsLocked queues a header block of fs on st (trailers).
func (c *conn) writeFieldsLocked(st *stream, fs []field, end bool) {
	b := c.enc.begin(c.hdrBuf[:0])
	for _, f := range fs {
		if validFieldName(f.name) && httpguts.ValidHeaderFieldValue(f.value) {
			b = c.enc.field(b, f.name, f.value)
		}
	}
	c.hdrBuf = b
	c.out = appendHeaderBlock(c.out, st.id, b, end, c.peerFrame)
	c.signalLocked()
}

// writeInformational queues a 1xx response with the current header.
func (c *conn) writeInformational(st *stream, code int, h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.localClosed || c.dead != nil {
		return
	}
	b := c.enc.status(c.enc.begin(c.hdrBuf[:0]), code)
	for k, vv := range h {
		if skipResponseHeader(k) {
			continue
		}
		for _, v := range vv {
			if httpguts.ValidHeaderFieldValue(v) {
				b = c.enc.field(b, k, v)
			}
		}
	}
	c.hdrBuf = b
	c.out = appendHeaderBlock(c.out, st.id, b, false, c.peerFrame)
	c.signalLocked()
}
