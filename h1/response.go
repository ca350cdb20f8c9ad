package h1

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pendSize is how much of a response body is held before the head is
// written: a handler that finishes within it gets a Content-Length (as
// net/http's bufferBeforeChunkingSize).
const pendSize = 2048

// errAfterHandler is the error of writes after the handler returned.
var errAfterHandler = errors.New("h1: write after the handler returned")

// errClientGone is the error of writes after the client closed a TLS
// connection while its request was served.
var errClientGone = errors.New("h1: client closed the connection")

// A response is the http.ResponseWriter of one request.
type response struct {
	c      *srvConn
	req    *http.Request
	body   *body // nil without a request body
	header http.Header
	cancel func() // of the request's context

	mu           sync.Mutex // guards below: the handler, 100 Continue and deadlines may race
	status       int
	wroteHeader  bool // a final status is set
	committed    bool // the head is written
	sentContinue bool
	hijacked     bool
	finished     bool // the handler returned
	aborted      bool // the handler panicked: close at once
	noBody       bool // HEAD or a status without body: body bytes are counted, not sent
	chunked      bool
	closeAfter   bool  // close the connection after this response
	length       int64 // Content-Length to send, -1 if none
	written      int64 // body bytes the handler wrote
	pend         []byte
	pendp        *[]byte // pend's pooled buffer
	err          error   // first write error: the connection is broken
	expect100    bool    // the request asked for 100 Continue
	keepAlive10  bool    // an HTTP/1.0 request asked for keep-alive
	smuggle      bool    // the request framing obliges a close
	refused      error   // the request body broke a limit: refuseBody answered
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(code)
}

func (w *response) writeHeaderLocked(code int) {
	switch {
	case w.hijacked || w.finished:
		return
	case w.wroteHeader:
		w.c.srv.logf("http: superfluous response.WriteHeader call")
		return
	case code < 100 || code > 999:
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	case code < 200 && code != http.StatusSwitchingProtocols:
		w.writeInformational(code)
		return
	}
	w.wroteHeader, w.status, w.length = true, code, -1
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.length = n
		} else {
			w.c.srv.logf("http: invalid Content-Length of %q", cl)
			w.header.Del("Content-Length")
		}
	}
}

// writeInformational writes a 1xx response with the current header fields
// (as 103 Early Hints wants) at once.
func (w *response) writeInformational(code int) {
	if w.committed || w.err != nil {
		return
	}
	if code == http.StatusContinue {
		if w.sentContinue {
			return
		}
		w.sentContinue = true
	}
	b := appendStatusLine(w.c.hbuf[:0], code)
	b, w.c.keys = appendFields(b, w.header, w.c.keys, nil)
	b = append(b, "\r\n"...)
	w.c.hbuf = b
	bw := w.c.writer()
	bw.Write(b)
	w.fail(bw.Flush())
}

// sendContinue answers Expect: 100-continue as the handler first reads.
func (w *response) sendContinue() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed || w.hijacked || w.sentContinue || w.finished {
		return
	}
	w.writeInformational(http.StatusContinue)
}

func (w *response) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.writable(len(p)); err != nil {
		return 0, err
	}
	if !w.committed && len(w.pend)+len(p) <= pendSize {
		w.pend = append(w.takePend(), p...)
		return len(p), nil
	}
	if !w.committed {
		sniff := w.pend
		if len(sniff) == 0 {
			sniff = p
		}
		w.commit(false, sniff)
		w.writeBody(w.pend)
		w.pend = w.pend[:0]
	}
	return w.writeBody(p)
}

// WriteString is Write without the conversion.
func (w *response) WriteString(s string) (int, error) {
	w.mu.Lock()
	if !w.committed && len(w.pend)+len(s) <= pendSize {
		defer w.mu.Unlock()
		if err := w.writable(len(s)); err != nil {
			return 0, err
		}
		w.pend = append(w.takePend(), s...)
		return len(s), nil
	}
	w.mu.Unlock()
	return w.Write([]byte(s))
}

// pendPool holds the buffers of response bodies before their heads.
var pendPool = sync.Pool{New: func() any { b := make([]byte, 0, pendSize); return &b }}

func (w *response) takePend() []byte {
	if w.pend == nil {
		w.pendp = pendPool.Get().(*[]byte)
		w.pend = (*w.pendp)[:0]
	}
	return w.pend
}

func (w *response) releasePend() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pendp != nil {
		pendPool.Put(w.pendp)
		w.pendp, w.pend = nil, nil
	}
}

// writable checks that n more body bytes may be written and counts them.
func (w *response) writable(n int) error {
	switch {
	case w.refused != nil:
		return w.refused
	case w.hijacked:
		return http.ErrHijacked
	case w.finished:
		return errAfterHandler
	}
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	switch {
	case !bodyAllowed(w.status):
		return http.ErrBodyNotAllowed
	case w.length >= 0 && w.written+int64(n) > w.length:
		return http.ErrContentLength
	case w.err != nil:
		return w.err
	}
	w.written += int64(n)
	return nil
}

// writeBody writes p, body bytes past the head, framed as the head says.
func (w *response) writeBody(p []byte) (int, error) {
	if w.noBody || len(p) == 0 {
		return len(p), nil
	}
	bw := w.c.writer()
	if w.chunked {
		var size [18]byte
		bw.Write(append(strconv.AppendInt(size[:0], int64(len(p)), 16), "\r\n"...))
	}
	n, err := bw.Write(p)
	if w.chunked && err == nil {
		_, err = bw.WriteString("\r\n")
	}
	w.fail(err)
	return n, err
}

// clientGone ends the response of a client that closed the TLS
// connection (close_notify, or a reset) while its handler ran: nothing
// more is written, the handler's writes fail, and the connection closes.
//
// A client closing TLS writes close_notify and then closes the socket
// (crypto/tls Conn.Close); a response written between the two reaches
// it, and Go's Transport returns that response to a request whose context
// was cancelled ("the pconn closing raced with the response",
// persistConn.roundTrip). Over TLS 1.2 a close_notify also obliges the
// peer to discard its pending writes (RFC 5246 §7.2.1). In cleartext an
// EOF may be a half-close from a client still reading, and closing the
// socket is one step: a response after it is still written.
func (w *response) clientGone() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.finished { // once finished, the handler's goroutine reads closeAfter unlocked
		w.fail(errClientGone)
	}
}

func (w *response) fail(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.closeAfter = true
	}
}

// Flush writes the head and what is buffered to the client.
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush with its error, for http.ResponseController.
func (w *response) FlushError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *response) flushLocked() error {
	switch {
	case w.refused != nil:
		return w.refused
	case w.hijacked:
		return http.ErrHijacked
	case w.finished:
		return errAfterHandler
	}
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	if !w.committed {
		w.commit(false, w.pend)
		w.writeBody(w.pend)
		w.pend = w.pend[:0]
	}
	if w.err == nil {
		w.fail(w.c.writer().Flush())
	}
	return w.err
}

// finish completes the response once the handler returned: the head with
// a Content-Length if the body fit in pend, the last chunk and trailers,
// and a flush.
func (w *response) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hijacked || w.finished {
		return
	}
	if w.err != nil { // the connection is broken, or the client gone
		w.finished = true
		return
	}
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	if !w.committed {
		w.commit(true, w.pend)
		w.writeBody(w.pend)
		w.pend = w.pend[:0]
	}
	if w.chunked && !w.noBody {
		w.writeTrailers()
	}
	if w.length >= 0 && w.written < w.length && !w.noBody || w.status == http.StatusSwitchingProtocols {
		w.closeAfter = true // short of its Content-Length, or switched and not taken over
	}
	if w.err == nil {
		w.fail(w.c.writer().Flush())
	}
	w.finished = true
}

// writeTrailers writes the last chunk and the trailer section.
func (w *response) writeTrailers() {
	b := append(w.c.hbuf[:0], "0\r\n"...)
	for _, v := range w.header["Trailer"] {
		for k := range strings.SplitSeq(v, ",") {
			k = http.CanonicalHeaderKey(strings.Trim(k, " \t"))
			if k != "" && !isForbiddenTrailer(k) {
				b = appendField(b, k, w.header[k])
			}
		}
	}
	for k, vv := range w.header {
		if len(k) > len(http.TrailerPrefix) && k[:len(http.TrailerPrefix)] == http.TrailerPrefix {
			if k = k[len(http.TrailerPrefix):]; !isForbiddenTrailer(http.CanonicalHeaderKey(k)) {
				b = appendField(b, k, vv)
			}
		}
	}
	b = append(b, "\r\n"...)
	w.c.hbuf = b
	_, err := w.c.writer().Write(b)
	w.fail(err)
}

func isForbiddenTrailer(k string) bool {
	switch k {
	case "Transfer-Encoding", "Content-Length", "Trailer":
		return true
	}
	return false
}

// SetReadDeadline sets the connection's read deadline, for
// http.ResponseController.
func (w *response) SetReadDeadline(t time.Time) error {
	w.c.ownDL.Store(true)
	w.c.setReadDeadline(t)
	return w.c.setReadDL(t)
}

// SetWriteDeadline sets the connection's write deadline, for
// http.ResponseController.
func (w *response) SetWriteDeadline(t time.Time) error { return w.c.nc.SetWriteDeadline(t) }

// EnableFullDuplex lets the handler read the request body while it writes
// the response, which this engine always allows.
func (w *response) EnableFullDuplex() error { return nil }

var _ interface {
	http.ResponseWriter
	http.Flusher
	http.Hijacker
} = (*response)(nil)
