package h2

import (
	"errors"
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
	"golang.org/x/net/http2"
)

// Names of the request limits, as Config.LimitHit reports them (they are
// the [limits] keys of trio's config file).
const (
	LimitHeaderFields    = "max_header_fields"
	LimitBodyBytes       = "max_body_bytes"
	LimitBodyTime        = "body_timeout"
	LimitPrefaceTime     = "h2_preface_timeout"
	LimitEnhanceYourCalm = "h2_enhance_your_calm"
)

// ErrBodyTimeout is what a handler's Read of the request body returns when
// the client sent nothing of it for BodyTimeout. The client was answered
// 408 Request Timeout, or, if the response had started, the stream was
// reset with CANCEL.
var ErrBodyTimeout = errors.New("h2: request body: client sent nothing for BodyTimeout")

// errServerClosed fails the streams a forced shutdown cuts.
var errServerClosed = errors.New("h2: server closed")

// The defaults of the request limits.
const (
	// DefaultMaxHeaderFields bounds the fields of a request's header
	// list; cookie crumbs count as one field (RFC 9113 8.2.3).
	DefaultMaxHeaderFields = 100
	// DefaultBodyTimeout is nginx's client_body_timeout.
	DefaultBodyTimeout = 60 * time.Second
	// DefaultPrefaceTimeout is how long a new connection has to send its
	// preface.
	DefaultPrefaceTimeout = 10 * time.Second
)

// limitState holds a conn's budgets against clients that make the server
// work for nothing (see budget.go and calm.go).
type limitState struct {
	floods     budget  // PINGs, SETTINGS, empty frames; only the reader spends it
	resets     budget  // streams reset, by the client or provoked by it
	resetsFull float64 // resets' burst for a client in good standing; set by newConn
}

func (c *Config) maxHeaderFields() int {
	return defaults.Count(c.get().MaxHeaderFields, DefaultMaxHeaderFields)
}

func (c *Config) maxBodyBytes() int64 { return max(c.get().MaxBodyBytes, 0) }

func (c *Config) bodyTimeout() time.Duration {
	return defaults.Duration(c.get().BodyTimeout, DefaultBodyTimeout)
}

func (c *Config) prefaceTimeout() time.Duration {
	return defaults.Duration(c.get().PrefaceTimeout, DefaultPrefaceTimeout)
}

func (c *Config) limitHit(name string) {
	if hit := c.get().LimitHit; hit != nil {
		hit(name)
	}
}

func headerFieldsTooMany(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "431 Request Header Fields Too Large: too many header fields", http.StatusRequestHeaderFieldsTooLarge)
}

func bodyTooLarge(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "413 Content Too Large", http.StatusRequestEntityTooLarge)
}

// refuseLocked stops st's body after it broke a limit, from the goroutine
// reading it: if the response has started, the stream is reset with
// CANCEL; else the handler's next write (or its return) answers code
// instead (see refusal).
func (c *conn) refuseLocked(st *stream, limit string, code int, err error) {
	if st.refuseErr != nil {
		return
	}
	c.cfg.limitHit(limit)
	st.refuseErr, st.refuseCode = err, code
	st.bodyClosed = true
	if n := len(st.in) - st.inOff; n > 0 {
		c.consumedLocked(nil, int64(n))
	}
	st.in, st.inOff = nil, 0
	if st.hdrSent {
		c.resetLocked(st, http2.ErrCodeCancel, err)
	}
	st.refused.Store(true)
}

// refusal answers the refused request from the handler's goroutine, once:
// code with a short text, ending the stream, if the response has not
// started; a reset with CANCEL if it has. It returns the error the
// handler's writes get, nil if the body was not refused.
func (rw *responseWriter) refusal() error {
	st := rw.st
	if !st.refused.Load() {
		return nil
	}
	c := st.c
	c.mu.Lock()
	err, code := st.refuseErr, st.refuseCode
	answered := st.refuseDone
	st.refuseDone = true
	if !answered && rw.sentHeader {
		c.resetLocked(st, http2.ErrCodeCancel, err)
		answered = true
	}
	c.mu.Unlock()
	if answered || rw.done {
		return err
	}
	msg := http.StatusText(code) + "\n"
	rw.header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	rw.status, rw.wroteHeader, rw.declLen, rw.trailers = code, true, -1, nil
	rw.written = int64(len(msg))
	if rw.buf != nil {
		*rw.buf = (*rw.buf)[:0]
	}
	rw.done = true
	rw.flush([]byte(msg), true, nil)
	return err
}

// forceClose ends the connection at once, for a shutdown that ran out of
// time or Close: every open stream is reset with CANCEL, then a GOAWAY
// (CANCEL if streams were cut, NO_ERROR if not) is sent and the
// connection closed.
func (c *conn) forceClose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return
	}
	code := http2.ErrCodeNo
	for _, st := range c.streams {
		if !st.localClosed || !st.remoteClosed {
			c.resetLocked(st, http2.ErrCodeCancel, errServerClosed)
			code = http2.ErrCodeCancel
		}
	}
	c.nc.SetWriteDeadline(time.Now().Add(lingerTime))
	c.connErrorLocked(connErr(code, "server closed"))
}
