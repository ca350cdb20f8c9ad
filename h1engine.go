package trio

import (
	"crypto/tls"
	"net"
	"net/http"

	"github.com/triohttp/trio/h1"
)

// useTrioH1 serves HTTP/1.1 with trio's engine (h1.EngineTrio) instead of
// net/http: over TLS with tlsHandler, in cleartext with textHandler.
// Connections that turn out to be HTTP/2 go to the HTTP/2 engine (see
// h2Engine). The two http.Servers stay as the requests'
// http.ServerContextKey (their shutdown hooks close WebSockets) and as Go's
// HTTP/2 when H2 uses h2.EngineStd.
func (s *Server) useTrioH1(tlsHandler, textHandler http.Handler) {
	s.tlsH1 = &h1.Server{Config: &s.H1, Handler: tlsHandler, Base: s.tlsSrv, TLSConfig: s.tlsSrv.TLSConfig,
		NextProto: func(c *tls.Conn) { s.serveH2(c, tlsHandler, s.tlsSrv) }}
	s.textH1 = &h1.Server{Config: &s.H1, Handler: textHandler, Base: s.textSrv}
	if s.h2 != nil && !s.RedirectHTTP {
		s.textH1.H2C = func(c net.Conn) { s.serveH2(c, textHandler, s.textSrv) }
	}
}
