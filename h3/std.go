package h3

import (
	"context"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// EngineStd is quic-go's http3.Server behind the same Server: this file
// holds what only it needs.

// newStd returns quic-go's server for EngineStd.
func (s *Server) newStd() *http3.Server {
	return &http3.Server{
		TLSConfig:      s.tls,
		QUICConfig:     s.quicConfig(),
		Handler:        s.handler,
		MaxHeaderBytes: s.cfg.maxHeaderBytes(),
		IdleTimeout:    max(s.cfg.idleTimeout(), 0),
		Logger:         s.Logger,
		ConnContext: func(ctx context.Context, qc *quic.Conn) context.Context {
			s.handshakeDone(qc)
			s.accepted(qc)
			return context.WithValue(ctx, ServerContextKey, s)
		},
	}
}

// runHooks runs the shutdown hooks once, for EngineStd.
func (s *Server) runHooks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	for _, f := range s.onShutdown {
		go f()
	}
	s.onShutdown = nil
	for ln := range s.listeners { // quic-go's http3 closes only those it made
		ln.Close()
	}
}
