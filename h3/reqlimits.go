package h3

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/triohttp/trio/internal/defaults"
)

// Names of the request limits, as Config.LimitHit reports them (they are
// the [limits] keys of trio's config file).
const (
	LimitHeaderFields = "max_header_fields"
	LimitBodyBytes    = "max_body_bytes"
	LimitBodyTime     = "body_timeout"
)

// ErrBodyTimeout is what a handler's Read of the request body returns when
// the client sent nothing of it for BodyTimeout. The client was answered
// 408 Request Timeout, or, if the response had started, the stream was
// reset with H3_REQUEST_CANCELLED.
var ErrBodyTimeout = errors.New("h3: request body: client sent nothing for BodyTimeout")

// errTooManyFields is a request with more fields than MaxHeaderFields:
// answered 431, as errTooLarge.
var errTooManyFields = errors.New("h3: too many header fields")

// The defaults of the request limits.
const (
	// DefaultMaxHeaderFields bounds the fields of a request's header
	// section; cookie crumbs count as one field (RFC 9114 4.2.1).
	DefaultMaxHeaderFields = 100
	// DefaultBodyTimeout is nginx's client_body_timeout.
	DefaultBodyTimeout = 60 * time.Second
)

func (c *Config) maxHeaderFields() int {
	return defaults.Count(c.MaxHeaderFields, DefaultMaxHeaderFields)
}

func (c *Config) maxBodyBytes() int64 { return max(c.MaxBodyBytes, 0) }

func (c *Config) bodyTimeout() time.Duration {
	return defaults.Duration(c.BodyTimeout, DefaultBodyTimeout)
}

func (c *Config) limitHit(name string) {
	if c.LimitHit != nil {
		c.LimitHit(name)
	}
}

// bodyLimits are the limits a request body is read under; a CONNECT
// stream (a tunnel or a WebSocket) has none.
type bodyLimits struct {
	max     int64         // MaxBodyBytes, 0 for none
	timeout time.Duration // BodyTimeout, 0 for none
	userDL  atomic.Int64  // the handler's read deadline in Unix ns, 0 for none
	own     atomic.Bool   // the handler set a read deadline: BodyTimeout no longer applies

	refused    atomic.Bool // refuseErr is set
	refuseErr  error
	refuseCode int
	answered   bool // the refusal was answered: the handler's goroutine only
}

func (l *bodyLimits) userDeadline() time.Time {
	if ns := l.userDL.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// armDeadline gives the stream's next read BodyTimeout to bring
// something, unless the handler's deadline comes first, and reports
// whether it did.
func (b *requestBody) armDeadline() bool {
	l := &b.limits
	if l.timeout <= 0 || l.own.Load() {
		return false
	}
	dl := time.Now().Add(l.timeout)
	if ud := l.userDeadline(); !ud.IsZero() && ud.Before(dl) {
		dl = ud
	}
	b.rs.str.SetReadDeadline(dl)
	return true
}

// checkLimits turns what a read returned into a refusal when the body
// broke a limit: past MaxBodyBytes, or BodyTimeout (not the handler's
// deadline) passed.
func (b *requestBody) checkLimits(n int, err error, armed bool) (int, error) {
	l := &b.limits
	switch {
	case l.max > 0 && b.n > l.max:
		n -= int(b.n - l.max)
		err = &http.MaxBytesError{Limit: l.max}
		b.refuse(LimitBodyBytes, http.StatusRequestEntityTooLarge, err)
	case armed && err != nil && isTimeout(err):
		if ud := l.userDeadline(); ud.IsZero() || time.Now().Before(ud) {
			err = ErrBodyTimeout
			b.refuse(LimitBodyTime, http.StatusRequestTimeout, err)
		}
	}
	return max(n, 0), err
}

// refuse records that the body broke a limit: its reads fail with err
// from now on, and the handler's next write, flush or return answers
// code (see refusal).
func (b *requestBody) refuse(limit string, code int, err error) {
	l := &b.limits
	if l.refused.Load() {
		return
	}
	b.rs.c.srv.cfg.limitHit(limit)
	l.refuseErr, l.refuseCode = err, code
	b.err = err
	l.refused.Store(true)
}

// refusal answers a refused request from the handler's goroutine, once:
// code with a short text if the response has not started, else a reset
// with H3_REQUEST_CANCELLED. It returns the error the handler's writes
// get, nil if the body was not refused.
func (w *responseWriter) refusal() error {
	l := &w.rs.body.limits
	if !l.refused.Load() {
		return nil
	}
	if l.answered {
		return l.refuseErr
	}
	l.answered = true
	if w.sentHeader {
		w.rs.reset(ErrRequestCancelled)
		w.err = l.refuseErr
		return l.refuseErr
	}
	msg := http.StatusText(l.refuseCode) + "\n"
	clear(w.header)
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.status, w.wroteHeader, w.declLen, w.trailers = l.refuseCode, true, -1, nil
	w.written = int64(len(msg))
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
	}
	w.send([]byte(msg), true)
	w.rs.str.CancelRead(quic.StreamErrorCode(ErrNoError))
	w.rs.str.Close()
	w.err = l.refuseErr
	return l.refuseErr
}
