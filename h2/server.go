package h2

import (
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/triohttp/trio/internal/calm"
)

// Server serves HTTP/2 connections with trio's engine and keeps track of
// them, so that Shutdown can drain them all. The zero value is ready to
// use with the zero Config.
type Server struct {
	// Config holds the settings. If nil, the zero Config is used.
	Config *Config

	// Observer is told of connections and streams opening and closing.
	// nil means none.
	Observer Observer

	mu       sync.Mutex
	conns    map[*conn]struct{}
	shutdown bool
	drained  chan struct{} // closed when shutdown and conns is empty

	calm calm.Memory // closed for too many resets; see calm.go
}

// ServeConn is [Config.ServeConn] for a connection tracked by s.
// Connections handed over after Shutdown started are told GOAWAY at once.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn, h http.Handler, opts *ServeConnOpts) {
	serveConn(ctx, s.Config, s, nc, h, opts)
}

// track adds c and reports false if s is shutting down.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.conns[c] = struct{}{}
	return !s.shutdown
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.shutdown && len(s.conns) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
}

// Shutdown gracefully shuts down every connection: a GOAWAY, then the
// final GOAWAY once the client acknowledged a PING, then each connection
// closes when its in-flight streams are done. It returns when all are
// closed, or, if ctx is done first, closes the remaining connections as
// Close does (their streams reset with CANCEL) and returns ctx.Err().
// Later connections get a GOAWAY at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	var done chan struct{}
	if len(s.conns) > 0 {
		if s.drained == nil {
			s.drained = make(chan struct{})
		}
		done = s.drained
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.startShutdown()
	}
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.forceClose()
		return ctx.Err()
	}
}

// forceClose closes every connection at once, resetting their open
// streams with CANCEL.
func (s *Server) forceClose() {
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

// Close closes every connection at once: in-flight streams are reset
// with CANCEL, then a GOAWAY is sent and the connection closed.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	s.forceClose()
	return nil
}
