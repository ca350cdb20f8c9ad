// Package h1 is trio's HTTP/1.1 (RFC 9112): its server engine ([Server],
// [EngineTrio], the default), its timeouts and limits ([Config]), the
// cleartext upgrade to HTTP/2 (`Upgrade: h2c`, RFC 7540 §3.2), the redirect
// from http:// to https://, and the WebSocket handshake.
//
// # Engines
//
// [EngineTrio] parses each request once, applying RFC 9112's framing rules
// as it builds the *http.Request, and serves keep-alive and pipelined
// connections with pooled buffers that an idle connection gives back.
// Handlers run on reused goroutines while the connection's goroutine watches
// for the client going away. [EngineStd] serves HTTP/1.1 with net/http
// behind a framing checker that follows the same rules on a second pass
// ([Config.Listener], [Config.TLSListener]), for comparison.
//
// # Request limits
//
// A request head must arrive within [Config.ReadHeaderTimeout] (10 s): one
// begun but not finished gets 408, a connection that sent nothing is
// closed unanswered. More than [Config.MaxHeaderFields] field lines (100)
// or [Config.MaxHeaderBytes] of head (1 MiB) get 431, a request-target over
// [Config.MaxURIBytes] 414, a body over [Config.MaxBodyBytes] (none by
// default) 413. A body Read that waits [Config.BodyTimeout] (60 s) for the
// client gets [ErrBodyTimeout] and the client 408; once the response has
// started, the connection is closed instead. Each refusal closes the
// connection and is reported to [Config.LimitHit]. EngineStd applies all
// but BodyTimeout; a chunked body growing past MaxBodyBytes makes its
// handler's Read fail with *http.MaxBytesError, and the handler answers.
//
// Most users set fields of [Config] through trio.Server.H1 and never import
// this package directly.
package h1
