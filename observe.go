package trio

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// An Observer is told what the server's connections do: each one opened
// and closed, each HTTP/2 and HTTP/3 stream opened and closed, and each TLS
// handshake with its result. Server.Observer takes one; observe.Metrics is
// one. Methods are called from many goroutines at once and must not block.
//
// HTTP/1.x connections count from net/http's ConnState until they close or
// are hijacked (a WebSocket, an h2c upgrade). HTTP/2 and HTTP/3
// connections and streams are reported by trio's engines only (the
// default); Go's HTTP/2 and quic-go's HTTP/3 engines report none. TLS
// handshakes are reported for TCP and QUIC with every engine.
type Observer interface {
	ConnOpened(p Protocol)
	ConnClosed(p Protocol)
	StreamOpened(p Protocol)
	StreamClosed(p Protocol)
	// TLSHandshake reports a handshake on transport "tcp" or "quic";
	// err is nil when it succeeded.
	TLSHandshake(transport string, err error)
}

// A Protocol is the HTTP version a connection or request speaks; the
// values are short names fit for a metric label.
type Protocol string

// The protocols a Server speaks. H2 includes h2c.
const (
	H1 Protocol = "h1"
	H2 Protocol = "h2"
	H3 Protocol = "h3"
)

// ProtocolOf returns the protocol of a request whose ProtoMajor is
// protoMajor: H1, H2 or H3.
func ProtocolOf(protoMajor int) Protocol {
	switch protoMajor {
	case 2:
		return H2
	case 3:
		return H3
	}
	return H1
}

// observe wires s.Observer into the servers build made: ConnState hooks
// for HTTP/1.x, the engines' observers for HTTP/2 and HTTP/3 (which also
// reports QUIC handshakes). TCP handshakes are reported through
// H1.TLSHandshakeHook (tcpHandshakeHook). With no Observer it does
// nothing, and the servers carry no hook at all.
func (s *Server) observe() {
	o := s.Observer
	if o == nil {
		return
	}
	conns := &h1Conns{o: o}
	s.tlsSrv.ConnState = conns.hook(s.tlsSrv.ConnState, false)
	s.textSrv.ConnState = conns.hook(s.textSrv.ConnState, true)
	if s.tlsH1 != nil {
		s.tlsH1.ConnState = conns.hook(nil, false)
		s.textH1.ConnState = conns.hook(nil, true)
	}
	if s.h2Srv != nil {
		s.h2Srv.Observer = protoObserver{o, H2}
	}
	if s.quicSrv != nil {
		s.quicSrv.Observer = h3Observer{protoObserver{o, H3}}
	}
}

// tcpHandshakeHook is H1.TLSHandshakeHook with s.Observer told too.
func (s *Server) tcpHandshakeHook() func(error) {
	o, prev := s.Observer, s.H1.TLSHandshakeHook
	if o == nil {
		return prev
	}
	return func(err error) {
		if prev != nil {
			prev(err)
		}
		o.TLSHandshake("tcp", err)
	}
}

// A protoObserver passes an h2 or h3 engine's events to an Observer.
type protoObserver struct {
	o Observer
	p Protocol
}

func (p protoObserver) ConnOpened()   { p.o.ConnOpened(p.p) }
func (p protoObserver) ConnClosed()   { p.o.ConnClosed(p.p) }
func (p protoObserver) StreamOpened() { p.o.StreamOpened(p.p) }
func (p protoObserver) StreamClosed() { p.o.StreamClosed(p.p) }

// h1Conns counts HTTP/1.x connections from http.Server.ConnState. Over
// TLS the protocol is known when net/http gets the connection: trio's TLS
// listener hands HTTP/2 over as a *tls.Conn, which the HTTP/2 engine
// counts, and HTTP/1.x as another type, counted from StateNew until it
// closes or is hijacked (a WebSocket: counted as such from then on). In
// cleartext a connection may still turn out to be prior-knowledge h2c, so
// it counts from its first request, remembered in open.
type h1Conns struct {
	o    Observer
	open sync.Map // net.Conn -> struct{}: cleartext, counted as open
}

func (t *h1Conns) hook(prev func(net.Conn, http.ConnState), cleartext bool) func(net.Conn, http.ConnState) {
	return func(c net.Conn, st http.ConnState) {
		if prev != nil {
			prev(c, st)
		}
		if _, h2 := c.(*tls.Conn); h2 {
			return // Go's HTTP/2 engine reports its connections as *tls.Conn too
		}
		if !cleartext {
			switch st {
			case http.StateNew:
				t.o.ConnOpened(H1)
			case http.StateClosed, http.StateHijacked:
				t.o.ConnClosed(H1)
			}
			return
		}
		switch st {
		case http.StateActive:
			if _, loaded := t.open.LoadOrStore(c, struct{}{}); !loaded {
				t.o.ConnOpened(H1)
			}
		case http.StateClosed, http.StateHijacked:
			if _, ok := t.open.LoadAndDelete(c); ok {
				t.o.ConnClosed(H1)
			}
		}
	}
}

// An h3Observer is protoObserver for HTTP/3, with QUIC handshakes.
type h3Observer struct{ protoObserver }

func (o h3Observer) Handshake(err error) { o.o.TLSHandshake("quic", err) }
