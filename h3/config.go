package h3

import (
	"net"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio/internal/defaults"
)

// Config holds the HTTP/3 settings of a server. The zero value is ready to use.
type Config struct {
	// Disable turns HTTP/3 off: no UDP socket, no Alt-Svc.
	Disable bool

	// MaxIncomingStreams limits the request streams a client may have open
	// at once on one connection. If zero, 250 is used.
	MaxIncomingStreams int64

	// IdleTimeout closes a connection that carried no request for this
	// long, with H3_NO_ERROR. If zero, 2 minutes; if negative, never.
	// Either way QUICIdleTimeout still ends a connection over which nothing
	// arrived for its own, shorter time (a peer that is gone); a WebSocket
	// keeps its connection alive (see KeepAlivePeriod).
	IdleTimeout time.Duration

	// HandshakeTimeout bounds the QUIC handshake. If zero, 10 seconds.
	HandshakeTimeout time.Duration

	// QUICIdleTimeout closes a connection over which nothing arrived for
	// this long (QUIC's max_idle_timeout; the client may ask for less):
	// a peer that is gone. If zero, 30 seconds; if negative, quic-go's
	// default (30 seconds).
	QUICIdleTimeout time.Duration

	// KeepAlivePeriod is how often trio's engine pings a connection that
	// carries a WebSocket, so that an idle WebSocket outlives
	// QUICIdleTimeout (see keepalive.go). If zero, a third of
	// QUICIdleTimeout; if negative, never. With EngineStd it is quic-go's
	// KeepAlivePeriod, for every connection.
	KeepAlivePeriod time.Duration

	// Limits bound the QUIC connections and handshakes clients may hold,
	// and when they must validate their address with a Retry. The zero
	// value means the defaults (see Limits).
	Limits Limits

	// Admit, if set, is asked about each new QUIC connection that Limits
	// let in: ok false refuses it with CONNECTION_REFUSED (Admit reports
	// the limit itself); release is called once the connection is gone.
	// trio.Server sets it to count QUIC connections together with TCP
	// ones against trio.Limits.
	Admit func(remote net.Addr) (release func(), ok bool)

	// Allow0RTT accepts 0-RTT requests, which an attacker can replay. Off
	// unless set.
	Allow0RTT bool

	// MaxHeaderBytes limits the size of a request's HEADERS frame. If zero,
	// 1 MiB is used.
	MaxHeaderBytes int

	// MaxHeaderFields limits the fields of a request's header section
	// (cookie crumbs count as one); more get 431 Request Header Fields
	// Too Large. If zero, 100; if negative, only MaxHeaderBytes applies.
	// EngineTrio only.
	MaxHeaderFields int

	// MaxBodyBytes limits a request body. A request declaring a larger
	// content-length gets 413 Content Too Large before its handler runs;
	// a body that grows past it makes the handler's Read return an
	// *http.MaxBytesError and the client gets 413 (or, if the response
	// had started, the stream is reset with H3_REQUEST_CANCELLED). If zero
	// or negative, none, as with Caddy. EngineTrio only.
	MaxBodyBytes int64

	// BodyTimeout bounds how long a Read of the request body may wait for
	// the client to send some of it (nginx's client_body_timeout): when it
	// passes, the Read returns ErrBodyTimeout and the client gets 408
	// Request Timeout (or, if the response had started, the stream is
	// reset with H3_REQUEST_CANCELLED). CONNECT streams (tunnels,
	// WebSockets) are exempt, from MaxBodyBytes too, and so is a request
	// whose handler sets its own read deadline (http.ResponseController's
	// SetReadDeadline, the zero time included), as long-lived streams
	// need. If zero, 60 seconds; if negative, none. EngineTrio only.
	BodyTimeout time.Duration

	// Engine selects the HTTP/3 implementation. If empty, EngineTrio is
	// used: this package's engine on quic-go's QUIC layer, which follows
	// RFC 9114 in the control stream and QPACK errors quic-go's http3
	// does not. EngineStd is quic-go's http3.Server.
	Engine Engine

	// AltSvcMaxAge is the ma= parameter of the Alt-Svc header: how long a
	// client may remember that HTTP/3 is here. If zero, 24 hours.
	AltSvcMaxAge time.Duration

	// Tracer, if set, is quic.Config's Tracer for every connection: the
	// trace it returns gets the connection's QUIC events and, with either
	// engine, its HTTP/3 frames (see trace.go). `trio serve --trace` and
	// --qlog set it. nil means none, at no cost.
	Tracer Tracer

	// LimitHit, if set, is called with a limit's name (a [limits] key, such
	// as "max_header_fields") each time a client is refused for exceeding
	// it. trio.Server sets it to log (one line per limit per 10 s) and
	// count (trio_limit_hits_total); it must not block.
	LimitHit func(limit string)
}

func (c *Config) maxIncomingStreams() int64  { return defaults.Or(c.MaxIncomingStreams, 250) }
func (c *Config) idleTimeout() time.Duration { return defaults.Duration(c.IdleTimeout, 2*time.Minute) }
func (c *Config) maxHeaderBytes() int        { return defaults.Or(c.MaxHeaderBytes, 1<<20) }

func (c *Config) handshakeTimeout() time.Duration {
	return defaults.Duration(c.HandshakeTimeout, 10*time.Second)
}

func (c *Config) altSvcMaxAge() time.Duration {
	return defaults.Duration(max(c.AltSvcMaxAge, 0), 24*time.Hour)
}

// QUICConfig returns the QUIC transport settings. quic-go treats a nil
// config as "0-RTT on", so trio always passes one.
func (c *Config) QUICConfig() *quic.Config {
	return &quic.Config{
		HandshakeIdleTimeout: c.handshakeTimeout(),
		MaxIdleTimeout:       c.quicIdleTimeout(),
		MaxIncomingStreams:   c.maxIncomingStreams(),
		Allow0RTT:            c.Allow0RTT,
		// Streams are request streams; the control and QPACK streams are
		// all a server needs from the client, plus a few for extensions.
		MaxIncomingUniStreams: 16,
	}
}
