// Package httpmsg is trio's one request model: what its HTTP/1.1, HTTP/2
// and HTTP/3 engines share between a decoded field section and the
// [net/http.Request] a Handler sees.
//
// # Who imports it
//
// The engines h1, h2 and h3, and nothing else. It imports only the
// standard library and golang.org/x/net/http/httpguts: the framing, the
// compression (HPACK, QPACK) and the connection stay with each engine.
//
// # What it holds
//
//   - [NewRequest] turns the name/value pairs of an HTTP/2 or HTTP/3 request
//     (RFC 9113 section 8.3, RFC 9114 section 4.3) into an *http.Request:
//     the pseudo-header fields, Host against :authority, field name and
//     value validation, connection-specific fields, te, content-length,
//     cookie crumbs joined, the declared trailers. It applies the strictest
//     rule either engine had before they shared it.
//   - [CheckTrailerField] and [DeclaredTrailers]: the rules of a trailer
//     section and of the Trailer field that announces it.
//   - [CanonicalKey] and [LowerKey]: header keys between their wire form
//     and http.Header's, without allocating for common names.
//   - [Date] and [AppendDate]: the Date field value, formatted once a second.
package httpmsg
