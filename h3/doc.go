// Package h3 holds what is particular to HTTP/3 (RFC 9114) in trio: the QUIC
// and HTTP/3 settings, the UDP socket and its buffers, and the Alt-Svc value
// that tells HTTP/1.1 and HTTP/2 clients where HTTP/3 is (RFC 7838).
//
// The protocol itself is quic-go's http3 package; this package configures it.
// Most users set fields of [Config] through trio.Server.H3 and never import
// this package directly.
package h3
