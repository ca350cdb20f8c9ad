// Package h1 holds what is particular to HTTP/1.1 (RFC 9112) in trio: its
// timeouts and limits, the cleartext upgrade to HTTP/2 (`Upgrade: h2c`,
// RFC 7540 §3.2), the redirect from http:// to https://, and the request
// framing checks of RFC 9112 that net/http lacks ([Config.Listener]).
//
// HTTP/1.1 itself is net/http's. Most users set fields of [Config] through
// trio.Server.H1 and never import this package directly.
package h1
