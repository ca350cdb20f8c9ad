package trio

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"

	"github.com/triohttp/trio/h2"
)

// useTrioH2 hands HTTP/2 connections of both net/http servers to trio's
// engine instead of Go's built-in one: ALPN "h2" on TLS, and prior-knowledge
// h2c, which net/http detects and passes on under "unencrypted_http2".
// (Upgrade: h2c goes through s.upgrades.)
func (s *Server) useTrioH2() {
	s.h2Srv = &h2.Server{Config: &s.H2}
	serveTLS := func(hs *http.Server, c *tls.Conn, h http.Handler) {
		s.h2Srv.ServeConn(context.Background(), c, h, &h2.ServeConnOpts{BaseConfig: hs})
	}
	serveText := func(hs *http.Server, c *tls.Conn, h http.Handler) {
		nc, ok := c.NetConn().(interface{ UnencryptedNetConn() net.Conn })
		if !ok {
			c.NetConn().Close()
			return
		}
		s.h2Srv.ServeConn(context.Background(), nc.UnencryptedNetConn(), h,
			&h2.ServeConnOpts{BaseConfig: hs, SawPreface: true})
	}
	// Both keys on both servers: net/http installs its own HTTP/2 unless it
	// finds "h2" already there.
	s.tlsSrv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": serveTLS, "unencrypted_http2": serveText,
	}
	s.textSrv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": serveTLS, "unencrypted_http2": serveText,
	}
}
