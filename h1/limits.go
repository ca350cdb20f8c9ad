package h1

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// Names of the request limits, as Config.LimitHit reports them (they are
// the [limits] keys of trio's config file).
const (
	LimitHeaderFields = "max_header_fields"
	LimitHeaderTime   = "header_timeout"
	LimitBodyBytes    = "max_body_bytes"
	LimitBodyTime     = "body_timeout"
)

// ErrBodyTimeout is what a handler's Read of the request body returns when
// the client sent nothing of it for BodyTimeout. The client was answered
// 408 Request Timeout, or, if the response had started, the connection
// was closed.
var ErrBodyTimeout = errors.New("h1: request body: client sent nothing for BodyTimeout")

// The defaults of the request limits.
const (
	// DefaultMaxHeaderFields is Apache's LimitRequestFields: a browser
	// sends 10 to 30 fields, cookies included (one Cookie field).
	DefaultMaxHeaderFields = 100
	// DefaultBodyTimeout is nginx's client_body_timeout.
	DefaultBodyTimeout = 60 * time.Second
)

func (c *Config) maxHeaderFields() int {
	if c == nil {
		return DefaultMaxHeaderFields
	}
	return defaults.Count(c.MaxHeaderFields, DefaultMaxHeaderFields)
}

// maxBodyBytes is MaxBodyBytes, 0 for none.
func (c *Config) maxBodyBytes() int64 {
	if c == nil {
		return 0
	}
	return max(c.MaxBodyBytes, 0)
}

func (c *Config) bodyTimeout() time.Duration {
	if c == nil {
		return DefaultBodyTimeout
	}
	return defaults.Duration(c.BodyTimeout, DefaultBodyTimeout)
}

func (c *Config) limitHit(name string) {
	if c != nil && c.LimitHit != nil {
		c.LimitHit(name)
	}
}

// headerFields counts the field lines of a request head as readHead
// returns it: its lines but the request line and the empty last one.
func headerFields(head []byte) int {
	return max(bytes.Count(head, []byte{'\n'})-2, 0)
}

var errTooManyFields = &statusError{Code: http.StatusRequestHeaderFieldsTooLarge, Msg: "too many header fields"}

// refuseBody answers a request whose body broke a limit, from the
// goroutine reading the body: code with a short text and a close if the
// head of the response is not written yet (what the handler wrote so far
// is dropped), else the connection is closed at once, the response cut
// short. Later writes of the handler return err.
func (w *response) refuseBody(code int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hijacked || w.finished || w.refused != nil {
		return
	}
	w.refused = err
	if w.committed {
		w.aborted, w.closeAfter = true, true
		w.fail(err)
		w.c.nc.Close()
		return
	}
	msg := http.StatusText(code) + "\n"
	clear(w.header)
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.header.Set("Connection", "close")
	w.wroteHeader, w.written, w.pend = false, 0, w.pend[:0]
	w.writeHeaderLocked(code)
	w.pend = append(w.takePend(), msg...)
	w.written = int64(len(msg))
	w.c.nc.SetWriteDeadline(time.Now().Add(lingerTimeout))
	w.commit(true, w.pend)
	w.writeBody(w.pend)
	w.pend = w.pend[:0]
	w.fail(w.c.writer().Flush())
	w.finished, w.closeAfter = true, true
}

// errHeadTimeout closes a connection whose request head did not arrive
// in time (EngineStd).
var errHeadTimeout = errors.New("h1: request head timed out")

const response408 = "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\nContent-Length: 16\r\n\r\nRequest Timeout\n"

// headTimedOut reports whether err is a read deadline that passed while
// the request net/http is reading had begun to arrive, but not its whole
// head: answered 408 (net/http would close unanswered). An idle
// connection, or one inside a body, is left to net/http.
func (c *conn) headTimedOut(err error) bool {
	if c.f.stopped || c.f.st < stMethod || c.f.st > stValue || c.f.req != c.served.Load() {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
