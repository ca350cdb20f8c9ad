package h2

import (
	"context"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/http2"
)

// A StdServer is [EngineStd]'s HTTP/2 for the connections Go's built-in
// server cannot accept by itself. With EngineStd, an http.Server configured
// with [Config.StdConfig] serves the HTTP/2 connections it accepts; a
// StdServer serves the others, as [Server.ServeConn] does with EngineTrio:
//
//   - connections trio's HTTP/1.1 engine accepted that turned out to be
//     HTTP/2 (ALPN "h2", or the h2c preface) go to the built-in server of
//     opts.BaseConfig, through a listener fed by hand;
//   - connections switched from HTTP/1.1 with `Upgrade: h2c` go to x/net's
//     server, the one that can take an upgrade (net/http's cannot), and are
//     tracked so that Shutdown and Close reach them.
//
// The zero value is ready to use with the zero Config.
type StdServer struct {
	// Config holds the settings of upgraded connections. If nil, the zero
	// Config is used.
	Config *Config

	mu       sync.Mutex
	handoffs map[*http.Server]*handoff
	upBase   *http.Server  // settings of upgraded conns; its Shutdown makes x/net send GOAWAY
	upSrv    *http2.Server // x/net's engine
	conns    map[net.Conn]struct{}
	closed   bool // no new upgraded connections
	wg       sync.WaitGroup
}

// ServeConn serves HTTP/2 on nc with Go's engines. opts.BaseConfig must be
// the http.Server nc was accepted for.
//
// Without opts.Upgrade, nc goes to opts.BaseConfig's built-in HTTP/2, which
// serves it with BaseConfig.Handler (h is not used, nor ctx); ServeConn
// returns once that server has taken nc, or closed it when that server was
// shut down. Its connection state (the preface) must not have been read.
//
// With opts.Upgrade, x/net's server serves nc as stream 1 plus what
// follows, with h, BaseConfig's timeouts, header limit and ErrorLog, and
// request contexts derived from the upgrade request's; ServeConn returns when
// the connection is done.
func (s *StdServer) ServeConn(ctx context.Context, nc net.Conn, h http.Handler, opts *ServeConnOpts) {
	if opts == nil || opts.BaseConfig == nil {
		nc.Close()
		return
	}
	if opts.Upgrade == nil {
		s.handoff(opts.BaseConfig).hand(nc)
		return
	}
	s.serveUpgrade(nc, h, opts)
}

func (s *StdServer) handoff(srv *http.Server) *handoff {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handoffs == nil {
		s.handoffs = make(map[*http.Server]*handoff)
	}
	ho := s.handoffs[srv]
	if ho == nil {
		ho = &handoff{srv: srv}
		s.handoffs[srv] = ho
	}
	return ho
}

func (s *StdServer) serveUpgrade(nc net.Conn, h http.Handler, opts *ServeConnOpts) {
	base, srv, ok := s.addUpgraded(nc, opts.BaseConfig)
	if !ok {
		nc.Close()
		return
	}
	defer s.doneUpgraded(nc)
	up := opts.Upgrade
	if up.ProtoMajor != 2 { // stream 1 is HTTP/2, as trio's engine says; x/net keeps what it is given
		up = up.Clone(up.Context())
		up.Proto, up.ProtoMajor, up.ProtoMinor = "HTTP/2.0", 2, 0
	}
	srv.ServeConn(nc, &http2.ServeConnOpts{
		Context:        up.Context(),
		BaseConfig:     base,
		Handler:        h,
		UpgradeRequest: up,
		Settings:       opts.Settings,
	})
}

// addUpgraded tracks nc and reports false if s is shut down. The first call
// builds x/net's server with the settings of from, the HTTP/1 server the
// upgrades come from: its own http.Server, since http2.ConfigureServer
// changes the one it is given.
func (s *StdServer) addUpgraded(nc net.Conn, from *http.Server) (*http.Server, *http2.Server, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, false
	}
	if s.upSrv == nil {
		s.upBase = &http.Server{
			ErrorLog:          from.ErrorLog,
			ReadHeaderTimeout: from.ReadHeaderTimeout,
			ReadTimeout:       from.ReadTimeout,
			WriteTimeout:      from.WriteTimeout,
			IdleTimeout:       from.IdleTimeout,
			MaxHeaderBytes:    from.MaxHeaderBytes,
		}
		std := s.Config.StdConfig()
		s.upSrv = &http2.Server{
			MaxConcurrentStreams: uint32(std.MaxConcurrentStreams),
			MaxReadFrameSize:     uint32(std.MaxReadFrameSize),
		}
		http2.ConfigureServer(s.upBase, s.upSrv)
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return s.upBase, s.upSrv, true
}

func (s *StdServer) doneUpgraded(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown sends GOAWAY on every upgraded connection and waits for them to
// finish, or closes them when ctx ends and returns ctx.Err(). Connections
// handed to an http.Server are that server's: its Shutdown drains them and
// ends the hand-fed listener.
func (s *StdServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	base := s.upBase
	s.mu.Unlock()
	if base != nil {
		base.Shutdown(ctx) // runs x/net's graceful GOAWAY hook; it tracks no conns itself
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close closes every upgraded connection.
func (s *StdServer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	return nil
}

// A handoff is a listener fed by hand: it passes connections another engine
// accepted to an http.Server, which serves them with Go's HTTP/2. The
// server's Serve starts with the first one and ends when its Shutdown or
// Close closes the handoff.
type handoff struct {
	srv *http.Server

	start     sync.Once
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
	addr      net.Addr
}

func (h *handoff) hand(c net.Conn) {
	h.start.Do(func() {
		h.conns, h.closed, h.addr = make(chan net.Conn), make(chan struct{}), c.LocalAddr()
		go h.srv.Serve(h)
	})
	select {
	case h.conns <- c:
	case <-h.closed:
		c.Close()
	}
}

func (h *handoff) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.closed:
		return nil, net.ErrClosed
	}
}

func (h *handoff) Close() error {
	h.closeOnce.Do(func() { close(h.closed) })
	return nil
}

func (h *handoff) Addr() net.Addr { return h.addr }
