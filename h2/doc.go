// Package h2 holds what is particular to HTTP/2 (RFC 9113) in trio: its
// settings and limits, and how a connection that negotiated HTTP/2 (ALPN "h2"
// over TLS, or h2c in cleartext) is handed to an HTTP/2 engine.
//
// Most users set fields of [Config] through trio.Server.H2 and never import
// this package directly.
package h2
