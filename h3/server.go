package h3

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/internal/calm"
)

// A Server serves HTTP/3 on UDP sockets with the engine its Config
// selects. The zero value serves http.NotFoundHandler with the zero
// Config once TLSConfig is set: a Server needs a certificate, as
// crypto/tls's server does. [Config.NewServer] fills the fields from a
// Config. The exported fields are read when the Server is first used
// (Serve, Shutdown, Close, RegisterOnShutdown, Engine or Std); later
// changes are ignored. A Server must not be copied after first use.
type Server struct {
	// Config holds the settings. nil means the zero Config: trio's
	// engine with the defaults each field states.
	Config *Config

	// TLSConfig is the TLS configuration of the QUIC handshakes: its
	// certificates (Certificates, GetCertificate or GetConfigForClient)
	// are required, and Serve fails without it. If NextProtos lacks "h3",
	// a copy with NextProtos ["h3"] is used, so a configuration made for
	// TCP serves too; QUIC itself holds it to TLS 1.3.
	TLSConfig *tls.Config

	// Handler answers every request. nil means http.NotFoundHandler().
	Handler http.Handler

	// Logger receives handler panics and notices. nil means
	// slog.Default().
	Logger *slog.Logger

	// Observer is told of handshakes, connections and streams. nil means
	// none.
	Observer Observer

	initOnce sync.Once
	cfg      *Config       // Config, or the zero Config; set by init
	tls      *tls.Config   // TLSConfig with ALPN h3, or nil
	handler  http.Handler  // Handler, or http.NotFoundHandler()
	std      *http3.Server // EngineStd; nil with EngineTrio

	graceCtx, closeCtx       context.Context // done at Shutdown or Close; at Close
	graceCancel, closeCancel context.CancelFunc

	handshakes sync.Map    // conn context's Done -> *atomic.Bool: begun, reported when true
	adm        *admission  // counts connections and handshakes; see limits.go
	calm       calm.Memory // closed for too many reset streams; see limits.go

	mu         sync.Mutex // guards below
	listeners  map[io.Closer]struct{}
	conns      map[*conn]struct{}
	onShutdown []func()
	stopped    bool            // Shutdown or Close called
	retired    map[string]bool // local addresses StopAccepting stopped; see retire.go
	drained    chan struct{}   // closed when stopped and conns is empty
}

// ServerContextKey is the context key under which request contexts hold
// the *Server that received them, with both engines.
var ServerContextKey = &contextKey{"h3-server"}

type contextKey struct{ name string }

func (k *contextKey) String() string { return "h3 context value " + k.name }

// NewServer returns an HTTP/3 server for h on the engine c selects, with
// a copy of c: the same as a Server with these fields set. tlsConf should
// come from tlsconf.QUIC (TLS 1.3, ALPN h3).
func (c *Config) NewServer(tlsConf *tls.Config, h http.Handler, logger *slog.Logger) *Server {
	cfg := *c
	return &Server{Config: &cfg, TLSConfig: tlsConf, Handler: h, Logger: logger}
}

// init reads the exported fields and sets up s, once.
func (s *Server) init() {
	s.initOnce.Do(func() {
		cfg := new(Config)
		if s.Config != nil {
			*cfg = *s.Config
		}
		s.cfg = cfg
		s.tls = quicTLS(s.TLSConfig)
		s.handler = s.Handler
		if s.handler == nil {
			s.handler = http.NotFoundHandler()
		}
		s.adm = newAdmission(cfg.Limits, cfg.LimitHit, cfg.Admit)
		s.graceCtx, s.graceCancel = context.WithCancel(context.Background())
		s.closeCtx, s.closeCancel = context.WithCancel(context.Background())
		if cfg.SelectedEngine() == EngineStd {
			s.std = s.newStd()
		}
	})
}

// quicTLS returns c, or a copy of it with NextProtos ["h3"] if it does
// not offer h3: QUIC fails a handshake that negotiates no protocol.
func quicTLS(c *tls.Config) *tls.Config {
	if c == nil || slices.Contains(c.NextProtos, http3.NextProtoH3) {
		return c
	}
	c = c.Clone()
	c.NextProtos = []string{http3.NextProtoH3}
	return c
}

// errNoTLS is Serve's error for a Server without a TLSConfig.
var errNoTLS = errors.New("h3: Server.TLSConfig is nil; QUIC needs a certificate")

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Engine is the engine s serves with.
func (s *Server) Engine() Engine {
	s.init()
	if s.std != nil {
		return EngineStd
	}
	return EngineTrio
}

// Std is quic-go's server behind s with EngineStd, or nil.
func (s *Server) Std() *http3.Server {
	s.init()
	return s.std
}

// Serve serves HTTP/3 on udp until Shutdown or Close, and then returns
// http.ErrServerClosed. The caller closes udp after Shutdown returns.
func (s *Server) Serve(udp net.PacketConn) error {
	s.init()
	if s.tls == nil {
		return errNoTLS
	}
	ln, err := s.listen(udp)
	if err != nil {
		return err
	}
	defer s.untrackListener(ln)
	if s.std != nil {
		return s.std.ServeListener(ln)
	}
	for {
		qc, err := ln.Accept(s.graceCtx)
		if err != nil {
			if s.graceCtx.Err() != nil || errors.Is(err, quic.ErrServerClosed) {
				return http.ErrServerClosed
			}
			return err
		}
		s.handshakeDone(qc)
		s.accepted(qc)
		c := newConn(s, qc)
		if !s.track(c) {
			qc.CloseWithError(quic.ApplicationErrorCode(ErrNoError), "server closed")
			return http.ErrServerClosed
		}
		go func() {
			defer s.untrack(c)
			if o := s.Observer; o != nil {
				o.ConnOpened()
				defer o.ConnClosed()
			}
			c.serve()
		}()
	}
}

// A quicListener is a *quic.Listener or, with 0-RTT, a *quic.EarlyListener.
type quicListener interface {
	Accept(context.Context) (*quic.Conn, error)
	Close() error
}

// listen starts QUIC on udp: connections come after their handshake,
// unless 0-RTT is allowed or quic-go's http3 serves them.
func (s *Server) listen(udp net.PacketConn) (*transportListener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.retired[udp.LocalAddr().String()] {
		return nil, http.ErrServerClosed
	}
	ln, err := s.listenQUIC(udp, s.cfg.Allow0RTT || s.std != nil)
	if err != nil {
		return nil, err
	}
	if s.listeners == nil {
		s.listeners = make(map[io.Closer]struct{})
	}
	s.listeners[ln] = struct{}{}
	return ln, nil
}

func (s *Server) untrackListener(ln *transportListener) {
	s.mu.Lock()
	delete(s.listeners, ln)
	s.mu.Unlock()
	ln.Close()
}

// track adds c, or reports false if s has stopped.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.stopped && len(s.conns) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
}

// RegisterOnShutdown registers f to run, in its own goroutine, when
// Shutdown or Close is first called: code holding long-lived streams
// (WebSockets) closes them there, as with net/http's
// Server.RegisterOnShutdown.
func (s *Server) RegisterOnShutdown(f func()) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onShutdown = append(s.onShutdown, f)
}

// stop marks s stopped, closes its listeners and runs the shutdown hooks
// once. It returns the channel closed when no connection is left, or nil.
func (s *Server) stop() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		for _, f := range s.onShutdown {
			go f()
		}
		s.onShutdown = nil
		for ln := range s.listeners {
			ln.Close()
		}
	}
	s.graceCancel()
	if len(s.conns) == 0 {
		return nil
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	return s.drained
}

// Shutdown stops accepting connections, sends every connection a GOAWAY
// naming the first request stream it did not accept, waits for the
// requests in flight, and closes each connection with H3_NO_ERROR once
// its last stream is done. It returns when all are closed, or closes
// them at once and returns ctx.Err() if ctx is done first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	if s.std != nil {
		s.runHooks()
		return s.std.Shutdown(ctx)
	}
	done := s.stop()
	if done == nil {
		s.closeCancel()
		return nil
	}
	select {
	case <-done:
		s.closeCancel()
		return nil
	case <-ctx.Done():
		s.closeCancel()
		s.closeConns()
		return ctx.Err()
	}
}

// Close closes every listener and connection at once: with
// H3_REQUEST_CANCELLED where requests were in flight, else H3_NO_ERROR.
func (s *Server) Close() error {
	s.init()
	if s.std != nil {
		s.runHooks()
		return s.std.Close()
	}
	s.stop()
	s.closeCancel()
	s.closeConns()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.forceClose()
	}
}
