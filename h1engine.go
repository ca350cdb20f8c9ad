package trio

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
)

// useTrioH1 serves HTTP/1.1 with trio's engine (h1.EngineTrio) instead of
// net/http: over TLS with tlsHandler, in cleartext with textHandler. The
// two http.Servers stay as the requests' http.ServerContextKey (their
// shutdown hooks close WebSockets) and as Go's HTTP/2, when H2 uses
// h2.EngineStd: connections that turn out to be HTTP/2 are handed to them.
func (s *Server) useTrioH1(tlsHandler, textHandler http.Handler) {
	s.stdTLS = &handoff{srv: s.tlsSrv}
	s.stdText = &handoff{srv: s.textSrv}
	s.tlsH1 = &h1.Server{Config: &s.H1, Handler: tlsHandler, Base: s.tlsSrv, TLSConfig: s.tlsSrv.TLSConfig,
		NextProto: func(c *tls.Conn) {
			if s.h2Srv != nil {
				s.h2Srv.ServeConn(context.Background(), c, tlsHandler, &h2.ServeConnOpts{BaseConfig: s.tlsSrv})
				return
			}
			s.stdTLS.hand(c)
		}}
	s.textH1 = &h1.Server{Config: &s.H1, Handler: textHandler, Base: s.textSrv}
	if !s.H2.Disable && !s.RedirectHTTP {
		s.textH1.H2C = func(c net.Conn) {
			if s.h2Srv != nil {
				s.h2Srv.ServeConn(context.Background(), c, textHandler, &h2.ServeConnOpts{BaseConfig: s.textSrv})
				return
			}
			s.stdText.hand(c)
		}
	}
}

// A handoff is a listener fed by hand: it passes connections trio's
// HTTP/1.1 engine accepted and found to be HTTP/2 to an http.Server, which
// serves them with Go's HTTP/2 engine. The server's Serve starts with the
// first one and ends when its Shutdown or Close closes the handoff.
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
