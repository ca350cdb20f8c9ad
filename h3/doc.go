// Package h3 holds what is particular to HTTP/3 (RFC 9114) in trio: its
// settings and limits, the UDP socket and its buffers, the Alt-Svc value
// that tells HTTP/1.1 and HTTP/2 clients where HTTP/3 is (RFC 7838), and
// trio's own HTTP/3 server engine, built on quic-go's QUIC layer.
//
// Most users set fields of [Config] through trio.Server.H3 and never import
// this package directly. The root package imports it to serve UDP sockets;
// package ws imports it for WebSockets over HTTP/3 (RFC 9220).
//
// # Engines
//
// [Config.Engine] selects [EngineTrio], this package's engine (the
// default), or [EngineStd], quic-go's http3.Server. A [Server] serves with
// either, with the same Serve, Shutdown, Close and RegisterOnShutdown, and
// request contexts carrying it under [ServerContextKey]. Its zero value
// serves once its TLSConfig is set, as h2.Server's does: a nil Config is
// the zero Config, a nil Handler http.NotFoundHandler; [Config.NewServer]
// fills the fields from a Config. Trio's engine passes every HTTP/3 case of trio's
// conformance checker (go test ./conformance -run TestTrio; trio check);
// quic-go's misses four that cannot be fixed from outside its package:
// HTTP/2 setting identifiers are not H3_SETTINGS_ERROR, a SETTINGS frame
// cut inside a setting is not H3_FRAME_ERROR, the client's GOAWAY is not
// read, and a field section referencing the dynamic table resets the
// stream instead of closing the connection with QPACK_DECOMPRESSION_FAILED.
//
// # Serving
//
// [Server.Serve] listens for QUIC on a UDP socket (after the handshake, or
// during it with [Config.Allow0RTT]) and serves each connection until it
// closes: trio's engine opens its control stream with SETTINGS (no
// dynamic QPACK table, SETTINGS_MAX_FIELD_SECTION_SIZE from
// [Config.MaxHeaderBytes], extended CONNECT, one GREASE setting), reads
// the client's control and QPACK streams, and runs one handler per
// request stream.
//
// [Server.Shutdown] closes the listeners, runs the functions given to
// [Server.RegisterOnShutdown] (package ws closes its WebSockets with 1001
// there), and sends each connection a GOAWAY naming the first request
// stream it did not accept; later streams are refused with
// H3_REQUEST_REJECTED. When a connection's last request is done it is
// closed with H3_NO_ERROR, after a short linger for the last responses to
// be acknowledged (quic-go does not tell when they are) unless the client
// closes it first. If ctx ends first (or on [Server.Close]), Shutdown
// closes what remains and returns ctx.Err(); Serve returns
// http.ErrServerClosed. A connection closed that way while requests or
// WebSockets were still running on it is closed with
// H3_REQUEST_CANCELLED, which ends each of its streams, so the client
// learns they were cut rather than complete; an idle one with
// H3_NO_ERROR.
//
// # Request limits
//
// A request with more than [Config.MaxHeaderFields] fields (100; cookie
// crumbs count once) or [Config.MaxHeaderBytes] of them (1 MiB) gets 431;
// one declaring a body over [Config.MaxBodyBytes] (none by default) gets
// 413, and so does one whose body grows past it. A body Read that waits
// [Config.BodyTimeout] (60 s) for the client gets [ErrBodyTimeout] and the
// client 408; once the response has started, the stream is reset with
// H3_REQUEST_CANCELLED instead. CONNECT streams (WebSockets) are exempt
// from the body limits. Each refusal is reported to [Config.LimitHit].
//
// # Connection limits
//
// Each UDP socket gets a quic.Transport of its own, which counts QUIC
// connections and handshakes in progress, in total and per client address
// (its IP; IPv6 by its /64), as [Config.Limits] says. Past
// [Limits.RetryHandshakes] handshakes in progress (128), or
// [Limits.RetryHandshakesPerIP] from one address (16), a new client
// without a token is sent a Retry (RFC 9000 section 8.1), so that only
// clients that receive packets at their address cost the server a
// connection. Past [Limits.MaxConnsPerIP] connections from one address
// (256) or [Limits.MaxHandshakes] handshakes in progress (1024), and when
// [Config.Admit] says no, a new connection is closed with
// CONNECTION_REFUSED. These apply with either engine.
//
// With trio's engine, a connection may run at most
// [Config.MaxIncomingStreams] handlers (250). quic-go gives a client its
// stream credit back as soon as it resets a stream, so a client that
// opens and resets streams at once could start any number of handlers
// that ignore their context (HTTP/2's rapid reset over QUIC): past that
// many handlers a new request stream is refused with H3_REQUEST_REJECTED,
// and after MaxIncomingStreams such refusals the connection is closed
// with H3_EXCESSIVE_LOAD. A client resetting streams as fast as it opens
// them runs no handler for long, so request streams the client resets
// before their response is complete are also budgeted per connection, as
// HTTP/2's resets are (CVE-2023-44487): max(200, 2*MaxIncomingStreams) at
// once, refilled at half that a second; past the budget the connection is
// closed with H3_EXCESSIVE_LOAD too. Retries and refusals are reported to
// [Config.LimitHit] under the names [LimitRetryHandshakes],
// [LimitRetryHandshakesPerIP], [LimitMaxConnsPerIP], [LimitMaxHandshakes]
// and [LimitMaxStreams].
//
// # Idle connections and keep-alive
//
// Two timeouts close idle connections. [Config.IdleTimeout] (2 minutes)
// closes, with H3_NO_ERROR, a connection that carried no request for that
// long. [Config.QUICIdleTimeout] (30 seconds, QUIC's max_idle_timeout;
// the client may ask for less) ends, silently, a connection over which no
// packet arrived for that long: a peer that is gone.
//
// A WebSocket nobody writes to sends no packets, so with trio's engine a
// connection that carries one is pinged every [Config.KeepAlivePeriod] (a
// third of QUICIdleTimeout) with an empty frame of a reserved type on the
// control stream (RFC 9114 section 7.2.8, ignored by clients), which the
// client acknowledges: both ends' idle timers restart, and the WebSocket
// lives until it is closed, as over HTTP/1.1 and HTTP/2. Pinging stops
// with the connection's last WebSocket; a client that is gone does not
// acknowledge, so its connection still ends one QUIC idle timeout later.
// With EngineStd, quic-go sends its own PINGs every KeepAlivePeriod on
// every connection. Package ws's HTTP/3 client (ws.Dial) has quic-go
// send PINGs too, so either end keeps an idle WebSocket alive.
//
// # Design
//
// Per connection, one goroutine accepts request streams, one accepts
// unidirectional streams and one reads each of those; each request runs
// its handler in its own goroutine, which also reads the request stream
// as the handler reads the body. Frames are read from quic-go's streams
// without a buffer in between, never past a frame header (a varint's
// first byte gives its length), and a read deadline can interrupt and
// resume a header.
//
// Errors follow RFC 9114 section 8: what breaks the connection's framing
// or state (a truncated frame, a frame on the wrong stream, a bad SETTINGS,
// an increasing GOAWAY, a QPACK error) closes the connection with its
// code; a malformed request (section 4.1.2: pseudo-header fields,
// uppercase or connection-specific fields, te other than trailers, a body
// not matching content-length) resets its stream with H3_MESSAGE_ERROR. A
// field section above MaxHeaderBytes is answered 431, the rest of the
// request refused with H3_EXCESSIVE_LOAD.
//
// The ResponseWriter gathers small writes in a pooled 16 KiB buffer: a
// response that fits is sent with its Content-Length and a sniffed
// Content-Type, HEADERS and DATA in one stream write. It implements
// http.Flusher and what http.ResponseController uses (FlushError, read
// and write deadlines, EnableFullDuplex, which HTTP/3 needs not). 1xx
// responses go out at once, trailers are those declared in Trailer or set
// with http.TrailerPrefix, and a handler's panic resets its stream with
// H3_INTERNAL_ERROR, logged as net/http does (silently for
// http.ErrAbortHandler). An extended CONNECT is reported as
// [ExtendedConnectProtocol] says; [AcceptWebSocket] answers it and takes
// the stream over, DATA payloads in both directions, past the handler.
//
// With Allow0RTT, a request with an unsafe method read before the
// handshake completed is answered 425 Too Early (RFC 8470); quic-go does
// not say which packets carried a request, so one read just after the
// handshake counts as not early.
package h3
