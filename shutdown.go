package trio

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
)

// trackUDP remembers a UDP socket so Shutdown can close it once HTTP/3 has
// drained. It reports false if the server is already closed.
func (s *Server) trackUDP(c net.PacketConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.udp = append(s.udp, c)
	return true
}

// untrackUDP forgets a UDP socket that is closed before Shutdown.
func (s *Server) untrackUDP(c net.PacketConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.udp = slices.DeleteFunc(s.udp, func(x net.PacketConn) bool { return x == c })
}

func (s *Server) closeUDP() error {
	s.mu.Lock()
	udp := s.udp
	s.udp = nil
	s.mu.Unlock()
	var errs []error
	for _, c := range udp {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops the server gracefully: it closes the listeners, sends
// GOAWAY on HTTP/2 and HTTP/3 connections, closes idle HTTP/1.1 ones, and
// waits for in-flight requests to finish. If ctx ends first, it closes what
// remains and returns ctx.Err(). Serve then returns http.ErrServerClosed.
// WebSockets accepted with package ws are closed with 1001 (going away)
// on every protocol, through the servers' shutdown hooks.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.stop(func(stop stopper) error { return stop.Shutdown(ctx) })
}

// Close closes every listener and connection at once.
func (s *Server) Close() error {
	return s.stop(func(stop stopper) error { return stop.Close() })
}

type stopper interface {
	Shutdown(context.Context) error
	Close() error
}

func (s *Server) stop(f func(stopper) error) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if !s.built.Load() {
		return nil // never served: nothing to stop, and no CA to create
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	run := func(st stopper) {
		wg.Go(func() {
			if err := f(st); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	run(s.tlsSrv)
	run(s.textSrv)
	if s.tlsH1 != nil {
		run(s.tlsH1)
		run(s.textH1)
	}
	if s.h2Srv != nil {
		run(s.h2Srv)
	}
	if s.h2Std != nil { // h2c upgrades on Go's engines
		run(s.h2Std)
	}
	if s.quicSrv != nil {
		run(s.quicSrv)
	}
	wg.Wait()
	s.stopMemoryReturn()
	errs = append(errs, s.closeUDP())
	return errors.Join(errs...)
}
