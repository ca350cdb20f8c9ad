package h2

import (
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// Config holds the HTTP/2 settings of a server. The zero value is ready to use.
type Config struct {
	// Disable turns HTTP/2 off: TLS offers only http/1.1 in ALPN and the
	// cleartext listener refuses h2c.
	Disable bool

	// MaxConcurrentStreams limits the streams a client may have open at once
	// on one connection (SETTINGS_MAX_CONCURRENT_STREAMS). If zero, 250 is used.
	MaxConcurrentStreams uint32

	// MaxReadFrameSize is the largest frame payload the server accepts
	// (SETTINGS_MAX_FRAME_SIZE). If zero, the engine's default is used:
	// 16 KiB (the protocol default, which h2spec 4.2/3 expects) with
	// EngineTrio, 1 MiB with EngineStd.
	MaxReadFrameSize uint32

	// MaxHeaderBytes limits the decoded size of a request's header list
	// (SETTINGS_MAX_HEADER_LIST_SIZE). If zero, 1 MiB is used.
	MaxHeaderBytes int

	// MaxHeaderFields limits the fields of a request's header list
	// (cookie crumbs count as one); more get 431 Request Header Fields
	// Too Large. If zero, 100; if negative, only MaxHeaderBytes applies.
	// EngineTrio only.
	MaxHeaderFields int

	// MaxBodyBytes limits a request body. A request declaring a larger
	// content-length gets 413 Content Too Large before its handler runs;
	// a body that grows past it makes the handler's Read return an
	// *http.MaxBytesError and the client gets 413 (or, if the response
	// had started, RST_STREAM CANCEL). If zero or negative, none, as with
	// Caddy. EngineTrio only.
	MaxBodyBytes int64

	// BodyTimeout bounds how long a Read of the request body may wait for
	// the client to send some of it (nginx's client_body_timeout): when it
	// passes, the Read returns ErrBodyTimeout and the client gets 408
	// Request Timeout (or, if the response had started, RST_STREAM
	// CANCEL). CONNECT streams (tunnels, WebSockets) are exempt, from
	// MaxBodyBytes too, and so is a request whose handler sets its own
	// read deadline (http.ResponseController's SetReadDeadline, the zero
	// time included), as long-lived streams need. If zero, 60 seconds; if
	// negative, none. EngineTrio only.
	BodyTimeout time.Duration

	// PrefaceTimeout bounds how long a new connection may take to send
	// the client preface (RFC 9113 3.4); one that does not is closed
	// (without a GOAWAY: nothing was said in HTTP/2 yet). If zero, 10
	// seconds; if negative, none. EngineTrio only.
	PrefaceTimeout time.Duration

	// IdleTimeout closes a connection with no open streams after this long.
	// If zero, 2 minutes; if negative, never.
	IdleTimeout time.Duration

	// PingTimeout closes a connection whose health-check PING is not
	// answered in time. With EngineTrio it also bounds how long a graceful
	// shutdown waits for the PING that separates its two GOAWAY frames.
	// If zero, 15 seconds is used.
	PingTimeout time.Duration

	// Engine selects the HTTP/2 implementation. If empty, EngineTrio is
	// used.
	Engine Engine

	// StallTimeout limits how long a response may stay blocked because
	// the client's flow-control window is closed or it does not read from
	// the connection (EngineTrio only): the stream is reset, or the
	// connection closed when a write to it blocks that long.
	// If zero, 30 seconds; if negative, never.
	StallTimeout time.Duration

	// Trace, if set, is told of every frame trio's engine reads or writes
	// (EngineStd ignores it): `trio serve --trace` prints them. nil means
	// none, at no cost.
	Trace Tracer

	// LimitHit, if set, is called with a limit's name (a [limits] key, such
	// as "max_header_fields") each time a client is refused for exceeding
	// it. trio.Server sets it to log (one line per limit per 10 s) and
	// count (trio_limit_hits_total); it must not block.
	LimitHit func(limit string)
}

// zeroConfig stands in for a nil *Config.
var zeroConfig Config

func (c *Config) get() *Config {
	if c == nil {
		return &zeroConfig
	}
	return c
}

func (c *Config) maxConcurrentStreams() uint32 {
	return defaults.Or(c.get().MaxConcurrentStreams, 250)
}

func (c *Config) maxReadFrameSize() uint32 { return defaults.Or(c.get().MaxReadFrameSize, 1<<20) }
func (c *Config) maxHeaderBytes() int      { return defaults.Or(c.get().MaxHeaderBytes, 1<<20) }

func (c *Config) idleTimeout() time.Duration {
	return defaults.Duration(c.get().IdleTimeout, 2*time.Minute)
}

func (c *Config) pingTimeout() time.Duration {
	return defaults.Or(c.get().PingTimeout, 15*time.Second)
}

func (c *Config) stallTimeout() time.Duration {
	return defaults.Duration(c.get().StallTimeout, 30*time.Second)
}

// trioMaxReadFrameSize is maxReadFrameSize for EngineTrio: 16 KiB unless
// set, and always within what RFC 9113 §6.5.2 allows.
func (c *Config) trioMaxReadFrameSize() uint32 {
	if c.get().MaxReadFrameSize == 0 {
		return minMaxFrameSize
	}
	return min(max(c.MaxReadFrameSize, minMaxFrameSize), maxMaxFrameSize)
}

// StdConfig returns the settings for Go's built-in HTTP/2 server
// (net/http's Server.HTTP2).
func (c *Config) StdConfig() *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxConcurrentStreams: int(c.maxConcurrentStreams()),
		MaxReadFrameSize:     int(c.maxReadFrameSize()),
		PingTimeout:          c.pingTimeout(),
	}
}
