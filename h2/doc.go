// Package h2 holds what is particular to HTTP/2 (RFC 9113) in trio: its
// settings and limits, and trio's own HTTP/2 server engine, to which a
// connection that negotiated HTTP/2 (ALPN "h2" over TLS, or h2c in
// cleartext) is handed.
//
// Most users set fields of [Config] through trio.Server.H2 and never import
// this package directly. The root package imports it to wire connections.
//
// # Engines
//
// [Config.Engine] selects [EngineTrio], this package's engine (the
// default), or [EngineStd], Go's built-in HTTP/2 server configured with
// [Config.StdConfig]. Trio's engine passes all h2spec cases over TLS and
// h2c, with and without --strict (see TestH2Spec), serves RFC 8441
// extended CONNECT without GODEBUG, and is built on golang.org/x/net's
// Framer and hpack only.
//
// # Serving a connection
//
// [Config.ServeConn] serves one connection until it closes or its context
// is done, which starts a graceful shutdown of that connection. A [Server]
// does the same for many connections and can shut them all down:
//
//	h2srv := &h2.Server{Config: &cfg}
//	hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
//		"h2": func(hs *http.Server, c *tls.Conn, h http.Handler) {
//			h2srv.ServeConn(ctx, c, h, &h2.ServeConnOpts{BaseConfig: hs})
//		},
//	}
//
// For h2c with prior knowledge, hand the connection over with the preface
// unread (or set [ServeConnOpts].SawPreface once consumed). For an h2c
// Upgrade, write the 101 response, then pass the request (body read into
// memory) and the decoded HTTP2-Settings in [ServeConnOpts]; bytes the
// HTTP/1 reader buffered must stay readable from the net.Conn given.
//
// # Graceful shutdown
//
// [Server.Shutdown] sends every connection a GOAWAY announcing the largest
// stream ID and a PING; when the PING comes back (or after
// [Config.PingTimeout]) a final GOAWAY names the last stream served. Each
// connection closes once those streams are done, and Shutdown returns when
// all are closed; if ctx is done first, the remaining connections are
// closed as by Close and Shutdown returns ctx.Err(). Connections handed to
// the Server afterwards are told GOAWAY at once. [Server.Close] closes
// them all immediately: each open stream gets RST_STREAM CANCEL, then the
// connection a GOAWAY CANCEL (NO_ERROR if no stream was cut).
// trio.Server.Shutdown calls Shutdown alongside the HTTP/1 server's, since
// connections in TLSNextProto are not tracked by it.
//
// # Design
//
// Per connection, one goroutine reads and processes frames, one writes,
// and each request runs its handler in its own goroutine. Frames are
// encoded straight into a 64 KiB write buffer, handlers' bytes copied
// once, and written in batches: whatever accumulates while a write is in
// progress goes out in the next single write, the writer swapping the two
// buffers of a busy connection (pooled while it is idle). Handlers' small
// writes gather in a pooled 16 KiB buffer per response, which also decides
// Content-Length and Content-Type.
//
// Receive windows start at 256 KiB per stream and 1 MiB per connection and
// grow while handlers keep up. Defences: a reset budget shared by client
// resets (CVE-2023-44487) and resets the client provoked (CVE-2025-8671);
// a budget for PING, SETTINGS, PRIORITY, empty DATA and tiny WINDOW_UPDATE
// frames, and for WINDOW_UPDATEs on closed streams returning more than the
// DATA sent; header blocks bounded in bytes and CONTINUATION frames
// (CVE-2024-27316); a 4 KiB HPACK table; streams whose window stays closed
// for [Config.StallTimeout] are reset, and writes blocking that long close
// the connection; handlers beyond MaxConcurrentStreams wait in a bounded
// queue. Violations end in GOAWAY ENHANCE_YOUR_CALM, reported to
// [Config.LimitHit] as [LimitEnhanceYourCalm].
//
// # Request limits
//
// A connection has [Config.PrefaceTimeout] (10 s) to send its preface. A
// request with more than [Config.MaxHeaderFields] fields (100) or
// [Config.MaxHeaderBytes] of them (1 MiB) gets 431; one declaring a body
// over [Config.MaxBodyBytes] (none by default) gets 413, and so does one
// whose body grows past it. A body Read that waits [Config.BodyTimeout]
// (60 s) for the client gets [ErrBodyTimeout] and the client 408; once the
// response has started, the stream is reset with CANCEL instead. Each
// refusal is reported to [Config.LimitHit].
package h2
