package h1

import (
	"math"
	"net"
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// Config holds the HTTP/1.1 settings of a server. The zero value is ready to
// use and safe to face the Internet with.
type Config struct {
	// ReadHeaderTimeout bounds reading a request's headers (slowloris),
	// from the first byte of a request (or of the connection) to the end
	// of its head. A request begun but not finished in time gets 408
	// Request Timeout; a connection that sent nothing is closed silently.
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

	// MaxHeaderFields limits the field lines of a request head (and of a
	// chunked body's trailer section); more get 431 Request Header Fields
	// Too Large and the connection closes. If zero, 100 (Apache's
	// LimitRequestFields); if negative, only MaxHeaderBytes applies.
	MaxHeaderFields int

	// MaxBodyBytes limits a request body. A request declaring a larger
	// Content-Length gets 413 Content Too Large before its handler runs;
	// a chunked body that grows past it makes the handler's Read return
	// an *http.MaxBytesError and the client gets 413 (or, if the response
	// had started, the connection closes). If zero or negative, none, as
	// with Caddy: uploads and proxied bodies stream through, and a handler
	// that buffers a body bounds it itself (http.MaxBytesReader).
	MaxBodyBytes int64

	// BodyTimeout bounds how long a Read of the request body may wait for
	// the client to send some of it (nginx's client_body_timeout): when it
	// passes, the Read returns ErrBodyTimeout and the client gets 408
	// Request Timeout (or, if the response had started, the connection
	// closes). A client sending slowly but steadily is never cut off. A
	// handler that sets its own read deadline (http.ResponseController's
	// SetReadDeadline, the zero time included) takes over: BodyTimeout no
	// longer applies to its request, as long-lived streams need.
	// If zero, 60 seconds; if negative, none.
	BodyTimeout time.Duration

	// MaxURIBytes limits the request-target; longer ones get 414 URI Too
	// Long (RFC 9112 §3) and the connection closes. If zero, 8 KiB (nginx's
	// large header buffer); if negative, only MaxHeaderBytes applies.
	MaxURIBytes int

	// DisableKeepAlives closes every connection after one response.
	DisableKeepAlives bool

	// Engine selects the HTTP/1.1 implementation. If empty, EngineTrio is
	// used.
	Engine Engine

	// TLSHandshakeHook, if set, is called after each handshake a
	// TLSListener does, with its error (nil when it succeeded), as
	// http.Server.ConnState is told of connections. trio.Server sets it
	// to tell its Observer.
	TLSHandshakeHook func(err error)

	// LimitHit, if set, is called with a limit's name (a [limits] key, such
	// as "max_header_fields") each time a client is refused for exceeding
	// it. trio.Server sets it to log (one line per limit per 10 s) and
	// count (trio_limit_hits_total); it must not block.
	LimitHit func(limit string)
}

func (c *Config) readHeaderTimeout() time.Duration {
	if c == nil {
		return 10 * time.Second
	}
	return defaults.Duration(c.ReadHeaderTimeout, 10*time.Second)
}

func (c *Config) idleTimeout() time.Duration {
	if c == nil {
		return 2 * time.Minute
	}
	return defaults.Duration(c.IdleTimeout, 2*time.Minute)
}

func (c *Config) readTimeout() time.Duration {
	if c == nil {
		return 0
	}
	return max(c.ReadTimeout, 0)
}

func (c *Config) writeTimeout() time.Duration {
	if c == nil {
		return 0
	}
	return max(c.WriteTimeout, 0)
}

// maxHeadBytes is the most a request head may take, MaxHeaderBytes plus
// the slack net/http allows.
func (c *Config) maxHeadBytes() int {
	if c == nil {
		return 1<<20 + 4096
	}
	return defaults.Or(c.MaxHeaderBytes, 1<<20) + 4096
}

func (c *Config) keepAlives() bool { return c == nil || !c.DisableKeepAlives }

func (c *Config) maxURIBytes() int64 {
	switch {
	case c == nil || c.MaxURIBytes == 0:
		return 8 << 10
	case c.MaxURIBytes < 0:
		return math.MaxInt64
	}
	return int64(c.MaxURIBytes)
}

// Apply copies the settings onto srv, Go's HTTP/1.1 server, and installs
// the request framing checks of RFC 9112 (see [Config.Listener]): hooks in
// ConnContext and ConnState, and a wrapper around srv.Handler, which must
// be set first.
func (c *Config) Apply(srv *http.Server) {
	srv.ConnContext = connContext
	srv.ConnState = connState
	srv.Handler = c.guard(srv.Handler)
	srv.ReadHeaderTimeout = defaults.Duration(c.ReadHeaderTimeout, 10*time.Second)
	srv.ReadTimeout = max(c.ReadTimeout, 0)
	srv.WriteTimeout = max(c.WriteTimeout, 0)
	srv.IdleTimeout = defaults.Duration(c.IdleTimeout, 2*time.Minute)
	srv.MaxHeaderBytes = defaults.Or(c.MaxHeaderBytes, 1<<20)
	srv.SetKeepAlivesEnabled(!c.DisableKeepAlives)
}

// Listener returns l with its connections' request framing followed, for
// http.Server.Serve on a cleartext listener. With the hooks Apply installs,
// the server closes the connection after answering a request carrying both
// Content-Length and Transfer-Encoding, answers 400 and closes for
// Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1), and answers 414 and closes
// for a request-target longer than MaxURIBytes (§3), where net/http alone
// would keep the connection open or answer 431, and answers 408 and
// closes for a request head begun but not finished when net/http's read
// deadline passes, where net/http closes without an answer. A connection
// whose first line is not HTTP at all (no version, or one without
// "HTTP/") is closed unanswered, as RFC 9113 §3.4 asks of a port where a
// client may be sending an HTTP/2 preface; net/http would answer 400, or
// with prior-knowledge h2c on, wait for more bytes until
// ReadHeaderTimeout. It stops following a connection at the HTTP/2
// preface and when a handler takes it over.
func (c *Config) Listener(l net.Listener) net.Listener {
	return listener{Listener: l, maxURI: c.maxURIBytes(), hit: c.limitHit}
}

// TLSListener is Listener for TLS: it does the handshakes with
// srv.TLSConfig, as srv.ServeTLS would, and is to be passed to srv.Serve.
// Connections that negotiate HTTP/2 reach net/http untouched.
func (c *Config) TLSListener(l net.Listener, srv *http.Server) net.Listener {
	ln := newTLSListener(l, srv, c.maxURIBytes())
	ln.hit = c.limitHit
	if c != nil {
		ln.hook = c.TLSHandshakeHook
	}
	return ln
}
