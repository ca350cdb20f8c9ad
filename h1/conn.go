package h1

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Why a connection wrapper: net/http drops the evidence of the framing
// faults RFC 9112 §6.1 cares about before a handler runs (it deletes
// Content-Length when Transfer-Encoding is chunked and Transfer-Encoding
// from HTTP/1.0 requests) and answers an over-long request line with 431
// itself. A framer following the bytes net/http reads sees them; a handler
// wrapper (Config.guard) then makes net/http close after its response, and
// the connection answers 414 itself when net/http would answer 431.

// ErrURITooLong is the read error net/http sees on a connection that
// answered 414 URI Too Long and closed.
var ErrURITooLong = errors.New("h1: request-target too long")

// ErrNotHTTP is the read error net/http sees on a connection whose first
// request line named a version that is not HTTP, closed unanswered.
var ErrNotHTTP = errors.New("h1: first request line is not HTTP")

// lingerTimeout is how long a rejected connection reads what the client
// still sends before closing.
const lingerTimeout = 500 * time.Millisecond

const response414 = "HTTP/1.1 414 URI Too Long\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\nContent-Length: 13\r\n\r\nURI Too Long\n"

// A conn is a cleartext HTTP/1.1 connection whose request framing is
// followed. net/http serves it; the hooks Config.Apply installs talk to it.
type conn struct {
	net.Conn
	f framer // touched only by Read: net/http never reads concurrently

	served   atomic.Int64       // responses net/http finished and kept the connection for
	faultAt  atomic.Int64       // first request with a framing fault, or -1
	fault    atomic.Int32       // its fault
	passive  atomic.Bool        // hijacked, or no longer HTTP/1.1: stop following
	gone     atomic.Bool        // the client closed the TLS connection: write nothing more
	rejected error              // why the connection was closed: ErrURITooLong, ErrNotHTTP or errHeadTimeout
	hit      func(limit string) // Config.limitHit
}

// A tlsConn is a conn over TLS. net/http serves it as HTTP/1.1 and sets
// Request.TLS from ConnectionState.
type tlsConn struct {
	*conn
	tc *tls.Conn
	bc *batchConn // under tc
}

// Read reads the TLS connection. Once a read fails for a reason other
// than a deadline (close_notify, a reset), the client is gone, and writes
// fail instead of racing its close (see response.clientGone): net/http
// would write the response of the handler whose context it cancelled.
func (c tlsConn) Read(p []byte) (int, error) {
	n, err := c.conn.Read(p)
	if n == 0 && err != nil && !isTimeout(err) && !c.passive.Load() {
		c.gone.Store(true)
	}
	return n, err
}

// Write writes p; the records of a write longer than one record reach the
// TCP connection in batches (see batchConn).
func (c tlsConn) Write(p []byte) (int, error) {
	if c.gone.Load() {
		return 0, errClientGone
	}
	if len(p) <= maxRecord {
		return c.tc.Write(p)
	}
	return c.bc.WriteBatched(c.tc, p)
}

// ConnectionState is that of the TLS connection.
func (c tlsConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// NetConn returns the TLS connection.
func (c tlsConn) NetConn() net.Conn { return c.tc }

func newConn(nc net.Conn, maxURI int64) *conn {
	c := &conn{Conn: nc, f: newFramer(maxURI)}
	c.faultAt.Store(-1)
	return c
}

func (c *conn) Read(p []byte) (int, error) {
	if c.passive.Load() {
		return c.Conn.Read(p)
	}
	if err := c.check(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n == 0 && err != nil && c.headTimedOut(err) {
		c.hit(LimitHeaderTime)
		c.reject(errHeadTimeout, response408)
		return 0, c.readErr()
	}
	if n > 0 && !c.f.stopped {
		c.f.feed(p[:n])
		if c.f.fault != faultNone && c.faultAt.Load() < 0 {
			c.fault.Store(int32(c.f.fault))
			c.faultAt.Store(c.f.faultReq)
		}
		if err := c.check(); err != nil {
			return 0, err
		}
	}
	return n, err
}

// check answers 414 and closes once the request with the over-long target
// is the one net/http is reading: all before it have been answered, and no
// response is being written. A connection whose first line is not HTTP at
// all closes unanswered: on a port that also serves HTTP/2 with prior
// knowledge it may be a client sending a bad preface, which RFC 9113 §3.4
// says to treat as a connection error, and RFC 9112 §2.2's 400 is for what
// appears to be an HTTP/1 request.
func (c *conn) check() error {
	switch {
	case c.rejected != nil:
		return c.readErr()
	case c.f.foreign:
		c.reject(ErrNotHTTP, "")
	case c.f.longURI >= 0 && c.f.longURI == c.served.Load():
		c.reject(ErrURITooLong, response414)
	default:
		return nil
	}
	return c.readErr()
}

// reject writes answer, if any, and closes the connection after reading
// what the client still sends, so that the close does not reset the
// connection before the client reads the answer (net/http's
// closeWriteAndWait, RFC 9112 §9.6).
func (c *conn) reject(why error, answer string) {
	c.rejected = why
	c.passive.Store(true)
	c.Conn.SetWriteDeadline(time.Now().Add(lingerTimeout))
	io.WriteString(c.Conn, answer)
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, c.Conn) // until EOF, or the deadline
	c.Conn.Close()
}

// readErr is the error after a rejection: a read error, which net/http
// closes the connection on without answering.
func (c *conn) readErr() error {
	return &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: c.rejected}
}

// faultFor is the fault net/http must act on when answering request i.
func (c *conn) faultFor(i int64) fault {
	if at := c.faultAt.Load(); at >= 0 && i >= at {
		return fault(c.fault.Load())
	}
	return faultNone
}

// CloseWrite half-closes the connection, as net/http and package ws do
// before closing.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps sendfile for cleartext responses.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if c.gone.Load() {
		return 0, errClientGone
	}
	return io.Copy(c.Conn, r)
}

// connKey is the context key of the *conn of a request.
type connKey struct{}

func connContext(ctx context.Context, nc net.Conn) context.Context {
	switch c := nc.(type) {
	case *conn:
		return context.WithValue(ctx, connKey{}, c)
	case tlsConn:
		return context.WithValue(ctx, connKey{}, c.conn)
	}
	return ctx
}

func connOf(nc net.Conn) *conn {
	switch c := nc.(type) {
	case *conn:
		return c
	case tlsConn:
		return c.conn
	}
	return nil
}

// connState counts the responses after which net/http keeps a connection,
// which is the index of the next request, and stops following hijacked
// connections (WebSocket, Upgrade: h2c, CONNECT tunnels).
func connState(nc net.Conn, s http.ConnState) {
	c := connOf(nc)
	if c == nil {
		return
	}
	switch s {
	case http.StateIdle:
		c.served.Add(1)
	case http.StateHijacked:
		c.passive.Store(true)
	}
}

// A listener wraps accepted connections in conns.
type listener struct {
	net.Listener
	maxURI int64
	hit    func(limit string)
}

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	nc := newConn(c, l.maxURI)
	nc.hit = l.hit
	return nc, nil
}
