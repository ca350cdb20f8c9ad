package trio

import (
	"context"
	"net"
	"net/http"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
)

// serveUpgrade serves, on the selected HTTP/2 engine (see h2Engine), the
// connections that switched from HTTP/1.1 to HTTP/2 with `Upgrade: h2c`.
// Either engine tracks them: Shutdown sends them GOAWAY and waits, Close
// closes them.
func (s *Server) serveUpgrade(h http.Handler) h1.ServeH2Func {
	return func(c net.Conn, up *http.Request, settings []byte) {
		if s.h2 == nil { // H2.Disable: cleartextHandler installs no upgrade then
			c.Close()
			return
		}
		s.h2.ServeConn(context.Background(), c, h, &h2.ServeConnOpts{
			BaseConfig: s.textSrv, Upgrade: up, Settings: settings,
		})
	}
}
