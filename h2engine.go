package trio

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"

	"github.com/triohttp/trio/h2"
)

// An h2Engine serves the HTTP/2 connections the HTTP/1.1 side finds: ALPN
// "h2" after trio's HTTP/1.1 engine did the handshake, the h2c preface on
// its cleartext listener, and `Upgrade: h2c` on either engine. It is the
// root's one seam to HTTP/2: *h2.Server with h2.EngineTrio, *h2.StdServer
// with h2.EngineStd (Go's engines: how they are reached from net/http and
// x/net lives in h2, not here).
type h2Engine interface {
	ServeConn(ctx context.Context, nc net.Conn, h http.Handler, opts *h2.ServeConnOpts)
	Shutdown(ctx context.Context) error
	Close() error
}

// useH2 picks the HTTP/2 engine H2 selects (none when H2.Disable). With
// EngineStd the net/http servers serve the HTTP/2 connections they accept
// themselves, as build configured them; with EngineTrio they hand them on.
func (s *Server) useH2() {
	if s.H2.Disable {
		return
	}
	if s.H2.SelectedEngine() == h2.EngineTrio {
		s.useTrioH2()
		return
	}
	s.h2Std = &h2.StdServer{Config: &s.H2}
	s.h2 = s.h2Std
}

// serveH2 serves nc, an HTTP/2 connection hs's listener accepted, with the
// selected engine; it closes nc when HTTP/2 is off.
func (s *Server) serveH2(nc net.Conn, h http.Handler, hs *http.Server) {
	if s.h2 == nil {
		nc.Close()
		return
	}
	s.h2.ServeConn(context.Background(), nc, h, &h2.ServeConnOpts{BaseConfig: hs})
}

// useTrioH2 hands HTTP/2 connections of both net/http servers to trio's
// engine instead of Go's built-in one: ALPN "h2" on TLS, and prior-knowledge
// h2c, which net/http detects and passes on under "unencrypted_http2".
// (Upgrade: h2c goes through serveUpgrade.)
func (s *Server) useTrioH2() {
	s.h2Srv = &h2.Server{Config: &s.H2}
	s.h2 = s.h2Srv
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
