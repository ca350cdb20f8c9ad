package h3

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/qlogwriter"
)

// An Observer is told what the connections of a [Server] do. With either
// engine, Handshake reports each QUIC handshake a client began: nil once
// it completed, or why the connection ended before. With trio's engine,
// ConnOpened and ConnClosed bracket each connection served (after its
// handshake), and StreamOpened and StreamClosed each request stream, from
// its acceptance until it is no longer in use (the handler returned, or
// the WebSocket on it closed). The root package passes a trio.Observer
// through one. Set it before Serve. Methods must not block.
type Observer interface {
	Handshake(err error)
	ConnOpened()
	ConnClosed()
	StreamOpened()
	StreamClosed()
}

// errHandshake is the failure reported when a connection's context ended
// before its handshake completed without saying why.
var errHandshake = errors.New("h3: connection closed before its handshake completed")

// tracer is the quic.Config's Tracer, called as each connection is
// created with its context (the one quic.Conn.Context returns). It traces
// nothing: it notes the handshake begun, reported as failed if the
// context ends before handshakeDone sees it complete.
func (s *Server) tracer(ctx context.Context, isClient bool, id quic.ConnectionID) qlogwriter.Trace {
	var trace qlogwriter.Trace
	if s.cfg.Tracer != nil {
		trace = s.cfg.Tracer(ctx, isClient, id)
	}
	o := s.Observer
	if o == nil || isClient {
		return trace
	}
	done, reported := ctx.Done(), new(atomic.Bool)
	s.handshakes.Store(done, reported)
	context.AfterFunc(ctx, func() {
		s.handshakes.Delete(done)
		if reported.CompareAndSwap(false, true) {
			err := context.Cause(ctx)
			if err == nil || err == context.Canceled {
				err = errHandshake
			}
			o.Handshake(err)
		}
	})
	return trace
}

// handshakeDone reports qc's handshake as complete: at once for
// connections accepted after it, later for 0-RTT ones.
func (s *Server) handshakeDone(qc *quic.Conn) {
	if s.Observer == nil {
		return
	}
	report := func() {
		if v, ok := s.handshakes.LoadAndDelete(qc.Context().Done()); ok && v.(*atomic.Bool).CompareAndSwap(false, true) {
			s.Observer.Handshake(nil)
		}
	}
	if qc.ConnectionState().TLS.HandshakeComplete {
		report()
		return
	}
	go func() {
		select {
		case <-qc.HandshakeComplete():
			report()
		case <-qc.Context().Done():
		}
	}()
}

// quicConfig is the QUIC configuration s listens with.
func (s *Server) quicConfig() *quic.Config {
	qc := s.cfg.QUICConfig()
	qc.Tracer = s.tracer
	return qc
}
