package h1

import (
	"context"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// A tlsListener does the TLS handshakes net/http's ServeTLS would do, so
// that HTTP/1.1 over TLS can be followed in cleartext: net/http reads a
// *tls.Conn's plaintext itself, and dispatches ALPN "h2" only for a
// *tls.Conn. Connections that negotiated "h2" (or any protocol with a
// TLSNextProto entry) are therefore handed over as the *tls.Conn, handshake
// done; those that negotiated "http/1.1" or nothing as a tlsConn, which
// net/http serves as HTTP/1.1 with Request.TLS set from ConnectionState.
//
// Handshakes run in their own goroutines, bounded by net/http's handshake
// timeout, so a slow client does not hold up Accept.
type tlsListener struct {
	net.Listener
	srv    *http.Server
	maxURI int64
	hook   func(error) // Config.TLSHandshakeHook
	hit    func(limit string)

	start sync.Once
	cfg   *tls.Config
	conns chan net.Conn
	dead  chan struct{} // closed when the inner Accept fails for good
	err   error         // that failure; set before dead is closed

	mu      sync.Mutex
	closed  chan struct{}
	pending map[net.Conn]struct{} // handshaking
}

func newTLSListener(l net.Listener, srv *http.Server, maxURI int64) *tlsListener {
	return &tlsListener{
		Listener: l, srv: srv, maxURI: maxURI,
		conns: make(chan net.Conn), dead: make(chan struct{}), closed: make(chan struct{}),
		pending: make(map[net.Conn]struct{}),
	}
}

// Accept returns the next connection whose handshake succeeded.
func (l *tlsListener) Accept() (net.Conn, error) {
	// The configuration is read at the first Accept, after http.Server.Serve
	// has set HTTP/2 up in srv.TLSConfig, as ServeTLS reads it.
	l.start.Do(func() {
		if l.srv.TLSConfig == nil {
			l.err = errors.New("h1: TLS listener needs http.Server.TLSConfig")
			close(l.dead)
			return
		}
		l.cfg = l.srv.TLSConfig.Clone()
		if !slices.Contains(l.cfg.NextProtos, "http/1.1") {
			l.cfg.NextProtos = append(slices.Clone(l.cfg.NextProtos), "http/1.1")
		}
		go l.acceptLoop()
	})
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.dead:
		return nil, l.err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *tlsListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			go l.handshake(c)
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Temporary() {
			select { // net/http backs off before its next Accept; so do we
			case <-time.After(5 * time.Millisecond):
				continue
			case <-l.closed:
			}
		}
		l.err = err
		close(l.dead)
		return
	}
}

func (l *tlsListener) handshake(c net.Conn) {
	if !l.track(c, true) {
		c.Close()
		return
	}
	tuneTCP(c)
	bc := &batchConn{Conn: c}
	tc := tls.Server(bc, l.cfg)
	if d := handshakeTimeout(l.srv); d > 0 {
		c.SetDeadline(time.Now().Add(d))
	}
	err := tc.HandshakeContext(context.Background())
	l.track(c, false)
	if l.hook != nil {
		l.hook(err)
	}
	if err != nil {
		l.handshakeFailed(c, err)
		return
	}
	c.SetDeadline(time.Time{})
	var nc net.Conn = tc
	switch tc.ConnectionState().NegotiatedProtocol {
	case "", "http/1.1", "http/1.0": // what net/http serves as HTTP/1.x
		hc := newConn(tc, l.maxURI)
		hc.hit = l.hit
		nc = tlsConn{conn: hc, tc: tc, bc: bc}
	}
	select {
	case l.conns <- nc:
	case <-l.closed:
		c.Close()
	}
}

// handshakeFailed logs and answers as net/http does.
func (l *tlsListener) handshakeFailed(c net.Conn, err error) {
	logf := log.Printf
	if l.srv.ErrorLog != nil {
		logf = l.srv.ErrorLog.Printf
	}
	handshakeFailed(c, err, logf)
}

// track adds c to the handshaking connections, or removes it. It reports
// false if the listener is closed.
func (l *tlsListener) track(c net.Conn, add bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !add {
		delete(l.pending, c)
		return true
	}
	select {
	case <-l.closed:
		return false
	default:
	}
	l.pending[c] = struct{}{}
	return true
}

// Close closes the listener and the connections still handshaking.
func (l *tlsListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
		return nil
	default:
	}
	close(l.closed)
	for c := range l.pending {
		c.Close()
	}
	return l.Listener.Close()
}

// handshakeTimeout is net/http's: the smallest of the read and write
// timeouts that are set.
func handshakeTimeout(s *http.Server) time.Duration {
	var d time.Duration
	for _, v := range []time.Duration{s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout} {
		if v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	return d
}

// looksLikeHTTP reports whether a TLS record header is the start of a
// cleartext HTTP request (net/http's tlsRecordHeaderLooksLikeHTTP).
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}
