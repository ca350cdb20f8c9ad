package trio

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// A limitListener enforces a Server's connection limits at accept,
// before any TLS handshake: a connection over a limit is reset at once,
// and at MaxConns one of the client holding the most connections is
// closed to let a client holding fewer in. When accept runs out of file
// descriptors (EMFILE, ENFILE) it closes one connection of the client
// holding the most and backs off, rather than spin, logging and counting
// the hit as LimitFDs.
type limitListener struct {
	net.Listener
	t     *connTable
	shake bool // connections start with a TLS handshake

	closeOnce sync.Once
	closed    chan struct{}
}

// limitListener wraps l to enforce s.Limits; tls says whether its
// connections start with a TLS handshake.
func (s *Server) limitListener(l net.Listener, tls bool) net.Listener {
	return &limitListener{Listener: l, t: s.conns, shake: tls, closed: make(chan struct{})}
}

// Backoff after a failed accept, as net/http's: from 5 ms, doubling, up
// to a second.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	var backoff time.Duration
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			if !temporary(err) {
				return nil, err
			}
			backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
			if outOfFDs(err) {
				l.t.s.LimitHit(LimitFDs)
				if l.t.shed() {
					backoff = minAcceptBackoff // an fd was freed: try again soon
				}
			}
			if !l.sleep(backoff) {
				return nil, net.ErrClosed
			}
			continue
		}
		backoff = 0
		if c := l.admit(nc); c != nil {
			return c, nil
		}
	}
}

// admit counts nc, returning it wrapped, or refuses it: resets it and
// returns nil.
func (l *limitListener) admit(nc net.Conn) net.Conn {
	c := &limitConn{Conn: nc, t: l.t, addr: clientAddr(nc.RemoteAddr())}
	c.active.Store(time.Now().UnixNano())
	refused, victim := l.t.admit(c, l.shake)
	if refused != "" {
		l.t.s.limitHitFrom(refused, c.addr) // counted before the client can see it
		reset(nc)
		return nil
	}
	if victim != nil {
		l.t.s.limitHitFrom(LimitMaxConns, victim.addr)
		victim.closeConn()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		return &limitTCPConn{TCPConn: tc, limitConn: c}
	}
	return c
}

// reset closes a refused connection with a RST (SO_LINGER 0): the client
// learns at once, and the server keeps no TIME_WAIT state.
func reset(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	nc.Close()
}

// sleep waits d, or reports false if the listener is closed first.
func (l *limitListener) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.closed:
		return false
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// temporary reports whether accept may succeed if tried again.
func temporary(err error) bool {
	var ne net.Error
	return outOfFDs(err) || (errors.As(err, &ne) && ne.Temporary())
}

// outOfFDs reports whether err is the process (EMFILE) or the system
// (ENFILE) out of file descriptors.
func outOfFDs(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
