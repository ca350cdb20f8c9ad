package h3

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	"golang.org/x/net/http/httpguts"

	"github.com/triohttp/trio/internal/httpmsg"
)

// bufSize is how much of a response body is gathered before it is sent:
// a body that fits is sent with its Content-Length, HEADERS and DATA in
// one write.
const bufSize = 16 << 10

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 4*bufSize {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// A responseWriter is the http.ResponseWriter of one request stream.
type responseWriter struct {
	rs          *requestStream
	header      http.Header
	status      int
	wroteHeader bool  // final status decided
	sentHeader  bool  // HEADERS sent
	head        bool  // HEAD request: no body
	hijacked    bool  // stream taken over by a WebSocket
	declLen     int64 // Content-Length the handler set, or -1
	written     int64 // body bytes the handler wrote
	buf         *[]byte
	trailers    []string // declared with the Trailer header
	err         error    // sticky write error
}

func (w *responseWriter) init(rs *requestStream, head bool) {
	w.rs, w.head, w.declLen = rs, head, -1
	if w.header == nil {
		w.header = make(http.Header)
	}
}

func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader sends a 1xx response at once, or decides the final status.
// Later calls are ignored and logged, as net/http does.
func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.wroteHeader || w.hijacked {
		w.rs.c.srv.logger().Debug("h3: superfluous WriteHeader call", "code", code)
		return
	}
	if code < 200 {
		if code != http.StatusSwitchingProtocols { // no 101 in HTTP/3 (RFC 9114 section 4.5)
			w.write(w.appendHeaders(nil, code, w.header, false))
		}
		return
	}
	w.wroteHeader, w.status = true, code
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declLen = n
		} else {
			w.header.Del("Content-Length")
		}
	}
	for _, v := range w.header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" {
				w.trailers = append(w.trailers, k)
			}
		}
	}
}

// sendContinue answers Expect: 100-continue when the handler first reads
// the body.
func (w *responseWriter) sendContinue() {
	if !w.wroteHeader && !w.hijacked {
		w.write(w.appendHeaders(nil, http.StatusContinue, nil, false))
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// Write gathers p; once more than bufSize is pending, it is sent as DATA.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if err := w.refusal(); err != nil {
		return 0, err
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.declLen >= 0 && w.written+int64(len(p)) > w.declLen {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.err != nil {
		return 0, w.err
	}
	if w.buf == nil {
		w.buf = getBuf()
	}
	if w.head { // no body; the first bytes only decide the Content-Type
		*w.buf = append(*w.buf, p[:min(len(p), sniffLen-len(*w.buf))]...)
		return len(p), nil
	}
	if len(*w.buf)+len(p) <= cap(*w.buf) {
		*w.buf = append(*w.buf, p...)
		return len(p), nil
	}
	if err := w.send(p, false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write without a copy of s to bytes by the caller.
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.buf != nil && len(*w.buf)+len(s) <= cap(*w.buf) && w.wroteHeader && !w.head && !w.rs.body.limits.refused.Load() &&
		bodyAllowed(w.status) && w.declLen < 0 && w.err == nil {
		*w.buf = append(*w.buf, s...)
		w.written += int64(len(s))
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// Flush sends the headers and what is pending.
func (w *responseWriter) Flush() { w.FlushError() }

// FlushError is Flush that reports a failed write (see
// http.ResponseController).
func (w *responseWriter) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if err := w.refusal(); err != nil {
		return err
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	if w.sentHeader && (w.buf == nil || len(*w.buf) == 0) {
		return nil
	}
	return w.send(nil, false)
}

// SetReadDeadline sets the deadline for reading the request body.
func (w *responseWriter) SetReadDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	w.rs.body.limits.userDL.Store(ns)
	w.rs.body.limits.own.Store(true)
	return w.rs.str.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for sending the response.
func (w *responseWriter) SetWriteDeadline(t time.Time) error { return w.rs.str.SetWriteDeadline(t) }

// EnableFullDuplex does nothing: an HTTP/3 handler may always read the
// request while it writes the response.
func (w *responseWriter) EnableFullDuplex() error { return nil }

// send writes the HEADERS if not sent yet, the pending body and extra as
// one DATA frame, and, when last, the trailers. A response complete at
// its first send gets a Content-Length.
func (w *responseWriter) send(extra []byte, last bool) error {
	out := getBuf()
	defer putBuf(out)
	b := *out
	var pending []byte
	if w.buf != nil {
		pending = *w.buf
	}
	if !w.sentHeader {
		w.sentHeader = true
		w.prepareHeader(pending, extra, last)
		b = w.appendHeaders(b, w.status, w.header, true)
	}
	if w.head {
		pending, extra = nil, nil
	}
	if n := len(pending) + len(extra); n > 0 {
		b = appendFrameHeader(b, frameData, n)
		b = append(b, pending...)
	}
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
	}
	if len(extra) > 0 {
		if err := w.write(b); err != nil {
			return err
		}
		b = b[:0]
		if err := w.write(extra); err != nil {
			return err
		}
	}
	if last {
		b = w.appendTrailers(b)
	}
	*out = b
	if len(b) == 0 {
		return nil
	}
	return w.write(b)
}

func (w *responseWriter) write(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.rs.str.Write(b); err != nil {
		w.err = err
	} else if w.rs.c.qlog != nil {
		w.rs.wscan.created(w.rs.c.qlog, w.rs.str.StreamID(), b)
	}
	return w.err
}

// prepareHeader completes the header before it is sent, as net/http does:
// Content-Length for a response complete now, a sniffed Content-Type.
func (w *responseWriter) prepareHeader(pending, extra []byte, last bool) {
	h := w.header
	if last && w.declLen < 0 && bodyAllowed(w.status) && len(w.trailers) == 0 &&
		!hasTrailerPrefix(h) && (!w.head || w.written > 0) {
		h["Content-Length"] = []string{strconv.FormatInt(w.written, 10)}
	}
	if _, ok := h["Content-Type"]; !ok && bodyAllowed(w.status) && h.Get("Content-Encoding") == "" {
		if len(pending) == 0 {
			pending = extra
		}
		if len(pending) > 0 {
			h["Content-Type"] = []string{http.DetectContentType(pending[:min(len(pending), sniffLen)])}
		}
	}
}

func hasTrailerPrefix(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			return true
		}
	}
	return false
}

// finish ends the response after the handler returned: what is pending,
// the trailers and the end of the stream. A body shorter than the
// Content-Length set resets the stream. The unread rest of the request
// is refused with H3_NO_ERROR (RFC 9114 section 4.1).
func (w *responseWriter) finish() {
	if w.hijacked {
		return
	}
	if w.refusal() != nil {
		if w.buf != nil {
			putBuf(w.buf)
			w.buf = nil
		}
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	err := w.send(nil, true)
	if w.buf != nil {
		putBuf(w.buf)
		w.buf = nil
	}
	short := w.declLen >= 0 && w.written < w.declLen && !w.head && bodyAllowed(w.status)
	if err != nil || short {
		w.rs.reset(ErrRequestCancelled)
		return
	}
	w.rs.str.CancelRead(quic.StreamErrorCode(ErrNoError))
	w.rs.str.Close()
}

// connectionFields are not sent in HTTP/3 (RFC 9114 section 4.2).
var connectionFields = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Transfer-Encoding": true, "Upgrade": true,
}

// appendHeaders appends a HEADERS frame with status and the fields of h
// (not trailers, not connection-specific, none invalid); a final one
// also gets a Date.
func (w *responseWriter) appendHeaders(b []byte, status int, h http.Header, final bool) []byte {
	e := getEncoder()
	defer putEncoder(e)
	e.enc.WriteField(qpack.HeaderField{Name: ":status", Value: statusValue(status)})
	for k, vv := range h {
		if connectionFields[k] || strings.HasPrefix(k, http.TrailerPrefix) || !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		name := httpmsg.LowerKey(k)
		for _, v := range vv {
			if httpguts.ValidHeaderFieldValue(v) {
				e.enc.WriteField(qpack.HeaderField{Name: name, Value: v})
			}
		}
	}
	if _, ok := h["Date"]; final && !ok {
		e.block = appendDateField(e.block)
	}
	b = appendFrameHeader(b, frameHeaders, len(e.block))
	return append(b, e.block...)
}

// appendTrailers appends a trailing HEADERS frame with the declared
// trailers and those set with http.TrailerPrefix, if any has a value.
func (w *responseWriter) appendTrailers(b []byte) []byte {
	e := getEncoder()
	defer putEncoder(e)
	add := func(k string, vv []string) {
		if connectionFields[k] || !httpguts.ValidTrailerHeader(k) {
			return
		}
		for _, v := range vv {
			if httpguts.ValidHeaderFieldValue(v) {
				e.enc.WriteField(qpack.HeaderField{Name: httpmsg.LowerKey(k), Value: v})
			}
		}
	}
	for _, k := range w.trailers {
		add(k, w.header[k])
	}
	for k, vv := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			add(http.CanonicalHeaderKey(name), vv)
		}
	}
	if len(e.block) == 0 {
		return b
	}
	b = appendFrameHeader(b, frameHeaders, len(e.block))
	return append(b, e.block...)
}

// An appender is an io.Writer appending to a slice.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}
