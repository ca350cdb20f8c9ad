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
// Most users set fields of [Config] through trio.Server.H1 and never import
// this package directly.
package h1
