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
// default), or [EngineStd], quic-go's http3.Server. [Config.NewServer]
// returns a [Server] for either, with the same Serve, Shutdown, Close and
// RegisterOnShutdown, and request contexts carrying it under
// [ServerContextKey]. Trio's engine passes every HTTP/3 case of trio's
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
// closes it first. If ctx ends first, Shutdown closes what remains and
// returns ctx.Err(); Serve returns http.ErrServerClosed.
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
// # Design
//
// Per connection, one goroutine accepts request streams, one accepts
// unidirectional streams and one reads each of those; each request runs
// its handler in its own goroutine, which also reads the request stream
// as the handler reads the body. Frames are read from quic-go's streams
// without a buffer in between, frame headers byte by byte so that a read
// deadline can interrupt and resume them.
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
