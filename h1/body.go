package h1

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// maxDrain is how much of a request body the handler left unread the
// engine reads and discards to keep the connection (net/http's
// maxPostHandlerReadBytes); beyond it, the connection closes.
const maxDrain = 256 << 10

// errBodyFraming is a request body whose framing is broken: the
// connection closes after the response.
var errBodyFraming = errors.New("h1: malformed chunked request body")

// A body is a request body, read from the connection's reader by the
// handler (and, once the handler returned, drained by the connection).
type body struct {
	mu             sync.Mutex
	br             *bufio.Reader
	req            *http.Request // for its Trailer
	w              *response     // for 100 Continue
	onEOF          func()        // called once when the body is read to its end
	remain         int64         // bytes left: of the body, or of the current chunk
	chunked        bool
	needCRLF       bool          // a chunk's data was read; its CRLF is next
	maxTrail       int           // bytes of trailer fields allowed
	maxTrailFields int           // trailer fields allowed
	limit          int64         // MaxBodyBytes, 0 for none
	read           int64         // body bytes read
	timeout        time.Duration // BodyTimeout, 0 for none
	err            error         // sticky: io.EOF at the end, or why reading failed
	closed         bool          // Close was called or the handler returned
	expect         bool          // 100 Continue is owed before the first read
	ended          atomic.Bool   // read to its end; read without mu
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.readLocked(p)
}

func (b *body) readLocked(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.expect {
		b.expect = false
		b.w.sendContinue()
	}
	armed := b.armDeadline()
	var n int
	var err error
	if b.chunked {
		n, err = b.readChunked(p)
	} else {
		n, err = b.readLength(p)
	}
	if b.limit > 0 && b.read+int64(n) > b.limit {
		n, err = int(b.limit-b.read), &http.MaxBytesError{Limit: b.limit}
		b.refuse(LimitBodyBytes, http.StatusRequestEntityTooLarge, err)
	} else if armed && err != nil && err != io.EOF && b.timedOut(err) {
		err = ErrBodyTimeout
		b.refuse(LimitBodyTime, http.StatusRequestTimeout, err)
	}
	b.read += int64(n)
	if err != nil {
		b.err = err
		if err == io.EOF {
			b.ended.Store(true)
			if b.onEOF != nil {
				b.onEOF()
			}
		}
	}
	return n, err
}

// armDeadline gives the connection's reads during this body read
// BodyTimeout to bring something, unless an earlier deadline (ReadTimeout,
// or the handler's) comes first, and reports whether it did. It arms even
// when bytes are buffered: a chunked read may consume them and go on to
// read the connection.
func (b *body) armDeadline() bool {
	if b.timeout <= 0 || b.w.c.ownDL.Load() {
		return false
	}
	c := b.w.c
	dl := time.Now().Add(b.timeout)
	if rd := c.readDeadline(); !rd.IsZero() && rd.Before(dl) {
		dl = rd
	}
	c.setReadDL(dl)
	return true
}

// timedOut reports whether err is BodyTimeout passing, rather than an
// earlier deadline.
func (b *body) timedOut(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	rd := b.w.c.readDeadline()
	return rd.IsZero() || time.Now().Before(rd)
}

// refuse reports a limit hit and has the client answered.
func (b *body) refuse(limit string, code int, err error) {
	b.w.c.srv.Config.limitHit(limit)
	b.w.refuseBody(code, err)
}

func (b *body) readLength(p []byte) (int, error) {
	if b.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.br.Read(p)
	b.remain -= int64(n)
	switch {
	case b.remain == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// Close stops the handler's reading; the connection decides what happens
// to the rest.
func (b *body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// end marks the body closed once its handler returned, and reports
// whether it was read to its end and whether its framing broke.
func (b *body) end() (done, broken bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.err == io.EOF, b.err != nil && b.err != io.EOF
}

// drain reads and discards up to limit bytes of what is left, and reports
// whether the body then ended cleanly. Only the connection calls it, after
// the handler returned.
func (b *body) drain(limit int64, buf []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expect {
		return false // the client waits for 100 Continue before sending it
	}
	b.timeout = 0 // the drain's deadline stands
	var read int64
	for b.err == nil && read <= limit {
		n, _ := b.readLocked(buf)
		read += int64(n)
	}
	return b.err == io.EOF
}
