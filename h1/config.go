package h1

import (
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// Config holds the HTTP/1.1 settings of a server. The zero value is ready to
// use and safe to face the Internet with.
type Config struct {
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	// If zero, 10 seconds; if negative, none.
	ReadHeaderTimeout time.Duration

	// ReadTimeout bounds reading a whole request, body included. If zero,
	// none: uploads may take as long as they take.
	ReadTimeout time.Duration

	// WriteTimeout bounds writing a response. If zero, none: downloads and
	// streams may take as long as they take.
	WriteTimeout time.Duration

	// IdleTimeout closes a keep-alive connection idle this long.
	// If zero, 2 minutes; if negative, never.
	IdleTimeout time.Duration

	// MaxHeaderBytes limits the request line plus headers; larger requests
	// get 431. If zero, 1 MiB is used.
	MaxHeaderBytes int

	// DisableKeepAlives closes every connection after one response.
	DisableKeepAlives bool
}

// Apply copies the settings onto srv, Go's HTTP/1.1 server.
func (c *Config) Apply(srv *http.Server) {
	srv.ReadHeaderTimeout = defaults.Duration(c.ReadHeaderTimeout, 10*time.Second)
	srv.ReadTimeout = max(c.ReadTimeout, 0)
	srv.WriteTimeout = max(c.WriteTimeout, 0)
	srv.IdleTimeout = defaults.Duration(c.IdleTimeout, 2*time.Minute)
	srv.MaxHeaderBytes = defaults.Or(c.MaxHeaderBytes, 1<<20)
	srv.SetKeepAlivesEnabled(!c.DisableKeepAlives)
}
