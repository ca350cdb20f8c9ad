package h3

import (
	"context"
	"errors"
	"net"
)

// StopAccepting makes s accept no more connections on udp, a socket Serve
// was given, while the connections it accepted there go on until they close,
// Shutdown or Close: a server moving to another address keeps its HTTP/3
// connections and WebSockets. The Serve call on udp returns
// http.ErrServerClosed once its accept queue is empty (at once if it had
// not started listening yet); the caller then waits with
// [Server.WaitConns] and closes udp, as closing it kills its connections.
// Only trio's engine can stop one socket; with EngineStd StopAccepting
// returns an error and changes nothing.
func (s *Server) StopAccepting(udp net.PacketConn) error {
	s.init()
	if s.std != nil {
		return errors.New("h3: the std engine cannot stop serving one socket")
	}
	want := udp.LocalAddr().String()
	s.mu.Lock()
	if s.retired == nil {
		s.retired = make(map[string]bool)
	}
	s.retired[want] = true // a Serve that has not listened yet will not
	var found []quicListener
	for ln := range s.listeners {
		if a, ok := ln.(interface{ Addr() net.Addr }); ok && a.Addr().String() == want {
			found = append(found, ln.(quicListener))
		}
	}
	s.mu.Unlock()
	for _, ln := range found {
		ln.Close() // QUIC stops taking handshakes; accepted connections stay
	}
	return nil
}

// WaitConns waits until no connection that arrived on the local address
// local is left, or ctx is done. Call it after Serve on that socket returned,
// so that no connection is still being accepted there.
func (s *Server) WaitConns(ctx context.Context, local net.Addr) error {
	s.init()
	want := local.String()
	s.mu.Lock()
	delete(s.retired, want) // Serve on it has returned; the address may be served again
	var open []context.Context
	for c := range s.conns {
		if c.local.String() == want {
			open = append(open, c.qc.Context())
		}
	}
	s.mu.Unlock()
	for _, cc := range open {
		select {
		case <-cc.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
