package h1

import (
	"context"
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/internal/workers"
)

// A Server serves HTTP/1.1 with trio's engine ([EngineTrio]) on the
// listeners given to Serve, in cleartext or, with TLSConfig, over TLS, and
// tracks its connections so that Shutdown can drain them. Connections that
// turn out to speak HTTP/2 (ALPN "h2", or the prior-knowledge preface in
// cleartext) are handed to NextProto and H2C. Set the fields before the
// first Serve.
type Server struct {
	// Config holds the settings. If nil, the zero Config is used.
	Config *Config

	// Handler answers requests. If nil, http.DefaultServeMux.
	Handler http.Handler

	// Base is stored under http.ServerContextKey in request contexts (its
	// RegisterOnShutdown hooks are how package ws closes hijacked
	// WebSockets) and its ErrorLog receives errors. It may be nil; it is
	// not served.
	Base *http.Server

	// TLSConfig, if set, makes Serve do TLS handshakes with it; "http/1.1"
	// is added to its NextProtos.
	TLSConfig *tls.Config

	// NextProto serves a TLS connection that negotiated a protocol other
	// than HTTP/1.x (HTTP/2), handshake done, and returns when it is done.
	// If nil, such connections are closed.
	NextProto func(c *tls.Conn)

	// H2C serves a cleartext connection that began with the HTTP/2 client
	// preface, which c reads again first. If nil, the preface is answered
	// as an HTTP/1 request would be.
	H2C func(c net.Conn)

	// ConnState is told of HTTP/1.x connections' states as
	// http.Server.ConnState is: the connection is the TCP one.
	ConnState func(net.Conn, http.ConnState)

	start    sync.Once
	tlsCfg   *tls.Config
	done     chan struct{} // closed by Shutdown and Close: idle workers leave
	handlers *workers.Pool[*srvConn]
	serving  *workers.Pool[*srvConn]

	inShutdown atomic.Bool
	mu         sync.Mutex
	listeners  []net.Listener
	conns      map[*srvConn]struct{}
	doneOnce   sync.Once
}

func (s *Server) init() {
	s.start.Do(func() {
		s.done = make(chan struct{})
		s.handlers = workers.New((*srvConn).runHandler, workers.Keep, s.done)
		s.serving = workers.New((*srvConn).serve, workers.Keep, s.done)
		if s.TLSConfig != nil {
			s.tlsCfg = s.TLSConfig.Clone()
			if !slices.Contains(s.tlsCfg.NextProtos, "http/1.1") {
				s.tlsCfg.NextProtos = append(slices.Clone(s.tlsCfg.NextProtos), "http/1.1")
			}
		}
	})
}

// Serve accepts connections on l and serves each until Shutdown or Close,
// when it returns http.ErrServerClosed; if l fails (or is closed by
// another) it returns that error, and the connections go on.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if !s.trackListener(l) {
		l.Close()
		return http.ErrServerClosed
	}
	defer s.untrackListener(l)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return http.ErrServerClosed
			}
			if ne, ok := err.(net.Error); ok && ne.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("http: Accept error: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newSrvConn(s, nc)
		if !s.track(c) {
			nc.Close()
			continue
		}
		s.serving.Go(c)
	}
}

func (s *Server) trackListener(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	s.listeners = append(s.listeners, l)
	return true
}

func (s *Server) untrackListener(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = slices.DeleteFunc(s.listeners, func(x net.Listener) bool { return x == l })
}

func (s *Server) track(c *srvConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*srvConn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *srvConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops the server gracefully: it closes the listeners and the
// idle connections, lets each active one finish its response and close,
// and returns once all are closed, or closes the rest and returns
// ctx.Err() when ctx ends first. Hijacked connections are not tracked.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.stopListening()
	timer := time.NewTimer(time.Millisecond)
	defer timer.Stop()
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		if s.closeIdle() {
			return nil
		}
		select {
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		case <-timer.C:
			timer.Reset(wait)
		}
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.init()
	s.stopListening()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.state.Store(stateClosed)
		c.raw.Close()
	}
	return nil
}

func (s *Server) stopListening() {
	s.mu.Lock()
	s.inShutdown.Store(true)
	ls := slices.Clone(s.listeners)
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	s.doneOnce.Do(func() { close(s.done) })
}

// closeIdle closes the connections waiting for a request and reports
// whether none are left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if st := c.state.Load(); (st == stateIdle || st == stateNew) && c.state.CompareAndSwap(st, stateClosed) {
			c.raw.Close()
		}
	}
	return len(s.conns) == 0
}

// keepAlive reports whether connections may stay open after a response.
func (s *Server) keepAlive() bool { return !s.inShutdown.Load() && s.Config.keepAlives() }

func (s *Server) handler() http.Handler {
	if s.Handler == nil {
		return http.DefaultServeMux
	}
	return s.Handler
}

func (s *Server) logf(format string, args ...any) {
	if s.Base != nil && s.Base.ErrorLog != nil {
		s.Base.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

func (s *Server) connState(c net.Conn, st http.ConnState) {
	if s.ConnState != nil {
		s.ConnState(c, st)
	}
}
