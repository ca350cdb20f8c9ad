package ws

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
	"unicode/utf8"
)

// A StatusCode is a close status code (RFC 6455 section 7.4).
type StatusCode uint16

// Status codes defined by RFC 6455 and registered with IANA.
const (
	StatusNormalClosure      StatusCode = 1000
	StatusGoingAway          StatusCode = 1001 // server shutting down, page left
	StatusProtocolError      StatusCode = 1002
	StatusUnsupportedData    StatusCode = 1003
	StatusNoStatusReceived   StatusCode = 1005 // never sent: a close frame without a code
	StatusAbnormalClosure    StatusCode = 1006 // never sent: no close frame at all
	StatusInvalidPayload     StatusCode = 1007 // e.g. text that is not UTF-8
	StatusPolicyViolation    StatusCode = 1008
	StatusMessageTooBig      StatusCode = 1009
	StatusMandatoryExtension StatusCode = 1010
	StatusInternalError      StatusCode = 1011
	StatusServiceRestart     StatusCode = 1012
	StatusTryAgainLater      StatusCode = 1013
	StatusBadGateway         StatusCode = 1014 // a proxy's upstream failed
)

// validWire reports whether c may appear in a close frame (RFC 6455
// section 7.4 and the IANA registry): 1000-1003, 1007-1014, 3000-4999.
func (c StatusCode) validWire() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014, c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// A CloseError ends a connection: the close frame received from the peer
// (Remote), or the one this side sent, or 1006 when the connection ended
// without one.
type CloseError struct {
	Code   StatusCode
	Reason string
	Remote bool  // the peer sent the close frame
	Err    error // what made this side close, if anything
}

func (e *CloseError) Error() string {
	who := "locally"
	if e.Remote {
		who = "by peer"
	}
	s := fmt.Sprintf("websocket: closed %s with %d", who, e.Code)
	if e.Reason != "" {
		s += fmt.Sprintf(" %q", e.Reason)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CloseError) Unwrap() error { return e.Err }

// closePayload is the body of a close frame; code 0 means none. The
// reason is cut to fit the 125-byte control frame limit.
func closePayload(code StatusCode, reason string) []byte {
	if code == 0 {
		return nil
	}
	if len(reason) > maxControl-2 {
		reason = reason[:maxControl-2]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	p := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	copy(p[2:], reason)
	return p
}

// parseClose reads a received close frame's body. A failure returns the
// code to close with: 1002 for a bad length or code, 1007 for a reason that
// is not UTF-8.
func parseClose(p []byte) (code StatusCode, reason string, fail StatusCode, err error) {
	switch {
	case len(p) == 0:
		return StatusNoStatusReceived, "", 0, nil
	case len(p) == 1:
		return 0, "", StatusProtocolError, errorf("close frame with a 1-byte body")
	}
	code = StatusCode(binary.BigEndian.Uint16(p))
	if !code.validWire() {
		return 0, "", StatusProtocolError, errorf("close code %d is not allowed on the wire", code)
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", StatusInvalidPayload, errorf("close reason is not UTF-8")
	}
	return code, string(p[2:]), 0, nil
}

// errorf formats an error prefixed with "websocket: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("websocket: "+format, args...)
}

// Close runs the close handshake with code and reason (cut to 123 bytes)
// and closes the connection; code 0 sends a close frame without a code.
// It sends the close frame, waits for the peer's, reading and discarding
// messages unless another goroutine reads, and closes the connection.
//
// Close returns within 5 seconds (closeTimeout) for the close frame and
// the reply together, plus at most a second (releaseTimeout) to abort the
// transport if they did not make it. A write deadline set earlier applies
// to the close frame if it passes sooner. When the close frame cannot be
// written in time, as to a peer that stopped reading, or the reply does
// not come, the connection is aborted: blocked reads and writes of other
// goroutines fail, an HTTP/2 stream is reset, and Close returns the write
// error, if any.
func (c *Conn) Close(code StatusCode, reason string) error {
	if code != 0 && !code.validWire() {
		return errorf("close code %d may not be sent", code)
	}
	deadline := time.Now().Add(closeTimeout)
	err := c.writeCloseBy(code, reason, deadline)
	if err != nil && !errors.Is(err, errCloseSent) {
		c.abort(&CloseError{Code: StatusAbnormalClosure, Err: err})
		return err
	}
	if !c.awaitClose(deadline) {
		c.abort(&CloseError{Code: code, Reason: reason})
		return nil
	}
	c.closeTransport(&CloseError{Code: code, Reason: reason})
	return nil
}

// awaitClose waits until deadline for reading to end, which the peer's
// close frame does; it reads itself unless another goroutine reads. It
// reports false if the deadline came first.
func (c *Conn) awaitClose(deadline time.Time) bool {
	if c.rmu.TryLock() {
		defer c.rmu.Unlock()
		if c.rerr == nil {
			c.setReadDeadlineAt(deadline)
			for c.rerr == nil {
				if _, err := c.discardMessage(); err != nil {
					break
				}
			}
		}
		return true // reading ended, and with it the connection
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.closeRecv:
		return true
	case <-c.closed:
		return true
	case <-t.C:
		return false
	}
}

// CloseNow closes the connection without a close handshake, at once:
// blocked reads and writes of other goroutines fail.
func (c *Conn) CloseNow() error {
	c.abort(&CloseError{Code: StatusAbnormalClosure, Err: net.ErrClosed})
	return nil
}

// writeCloseBy writes a close frame with code (0: none) and reason, but
// gives up at deadline, or sooner if a write deadline the user set
// passes: a peer that stopped reading, or a writer stuck before the close
// frame, then gets the connection aborted, which frees both.
func (c *Conn) writeCloseBy(code StatusCode, reason string, deadline time.Time) error {
	done := make(chan error, 1)
	go func() { done <- c.writeClose(code, reason) }()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	var err error
	select {
	case err := <-done:
		return err
	case <-c.closed: // closed under us: the write fails at once, or did
	case <-t.C:
		err = errorf("close frame not sent in time: %w", os.ErrDeadlineExceeded)
	}
	until := time.Now().Add(releaseTimeout) // for abort and the goroutine both
	if err != nil {
		c.abort(&CloseError{Code: StatusAbnormalClosure, Err: err})
	}
	t.Reset(time.Until(until))
	select {
	case werr := <-done:
		if err == nil {
			err = werr
		}
	case <-t.C: // a transport that ignores deadlines and Close: not ours to wait for
		if err == nil {
			err = errorf("close frame not sent in time: %w", os.ErrDeadlineExceeded)
		}
	}
	return err
}

// sendClose sends a close frame but waits at most a second for a stalled
// writer or transport: failing a connection must not hang.
func (c *Conn) sendClose(code StatusCode, reason string) {
	c.writeCloseBy(code, reason, time.Now().Add(time.Second))
}

// closeTransport closes the connection once, recording why. Unless this
// side's close frame went out whole, which no write can be blocked behind,
// the transport is aborted instead.
func (c *Conn) closeTransport(why *CloseError) {
	if !c.closeOut.Load() {
		c.abort(why)
		return
	}
	c.shut(why)
}

// abort closes the connection once, recording why, without waiting for
// the peer: it makes blocked reads and writes fail (release), waits up to
// releaseTimeout for a write in progress to return, as a QUIC stream may
// not be closed during a write, and closes the transport while holding
// off later writes.
func (c *Conn) abort(why *CloseError) {
	select {
	case <-c.closed:
		return // the transport may be gone: an HTTP/2 handler returned
	default:
	}
	c.release()
	t := time.NewTimer(releaseTimeout)
	defer t.Stop()
	select {
	case c.wbusy <- struct{}{}:
		defer func() { <-c.wbusy }()
	case <-t.C:
	}
	c.shut(why)
}

// release makes the transport's blocked and later reads and writes fail
// now: deadlines in the past (which reset an HTTP/2 server stream), the
// TCP connection under TLS closed (tls.Conn.Close would wait up to 5
// seconds to write its close_notify alert to a full socket), and a
// client's HTTP/2 or HTTP/3 connection closed (the HTTP/2 response body's
// Close waits for the stream's writer).
func (c *Conn) release() {
	c.released.Store(true)
	past := time.Unix(1, 0)
	if d, ok := c.t.(deadliner); ok {
		d.SetWriteDeadline(past)
		d.SetReadDeadline(past)
	}
	if nc, ok := c.t.(net.Conn); ok {
		for {
			u, ok := nc.(interface{ NetConn() net.Conn })
			if !ok {
				break
			}
			nc = u.NetConn()
		}
		if nc != c.t {
			nc.Close()
		}
	}
	for _, x := range c.extra {
		x.Close()
	}
}

// shut closes the transport once, recording why, and stops the timers.
func (c *Conn) shut(why *CloseError) {
	c.closeOnce.Do(func() {
		c.closeErr.Store(why)
		c.t.Close()
		for _, x := range c.extra {
			x.Close()
		}
		c.timerMu.Lock()
		for _, t := range []*time.Timer{c.rTimer, c.wTimer} {
			if t != nil {
				t.Stop()
			}
		}
		c.timerMu.Unlock()
		close(c.closed)
		if c.onShutdown != nil {
			c.onShutdown()
		}
		if c.observer != nil {
			code := why.Code
			if code == 0 {
				code = StatusNoStatusReceived
			}
			c.observer.WebSocketClosed(c, code)
		}
	})
}

// setReadDeadlineAt sets the transport's read deadline, or the Conn's
// timer for transports without one.
func (c *Conn) setReadDeadlineAt(t time.Time) {
	if dl, ok := c.t.(deadliner); ok {
		dl.SetReadDeadline(t)
		return
	}
	c.setDeadline(t, false)
}
