// Package proxy is trio's reverse proxy: an http.Handler that sends each
// request to one of a pool of upstreams and relays the response, over
// whatever protocol the client speaks (HTTP/1.1, HTTP/2, HTTP/3) and
// whatever the upstream speaks (HTTP/1.1, h2c, HTTP/2 over TLS, HTTP/3).
// WebSockets pass through it too, in every combination of an HTTP/1.1
// Upgrade and an HTTP/2 or HTTP/3 extended CONNECT.
//
// Import it to put an application behind a trio.Server from Go; the config
// file's proxy routes and `trio proxy --to URL` build the same Handler.
//
//	pool, err := proxy.NewPool(proxy.PoolConfig{Policy: "least_conn"},
//		"http://127.0.0.1:9001", "h2c://127.0.0.1:9002")
//	...
//	srv := &trio.Server{Handler: &proxy.Handler{Pool: pool}}
//
// # Requests
//
// The request to the upstream keeps the client's method, path (after the
// upstream URL's own path, if any), query, Host and end-to-end fields.
// The hop-by-hop fields of RFC 9110 §7.6.1 are dropped: Connection and
// those it names, Keep-Alive, Proxy-Connection, Proxy-Authorization,
// Transfer-Encoding, Upgrade, and TE but for "TE: trailers". The proxy
// appends itself to Via ("1.1 trio", "2 trio" or "3 trio", after the
// client's protocol) and says who the client is in Forwarded (RFC 7239:
// for, host, proto) and X-Forwarded-For, -Proto and -Host. The client's
// own forwarding fields are appended to only if it is one of
// Handler.TrustedProxies, and replaced otherwise.
//
// Bodies stream both ways with a 32 KiB buffer: nothing is held whole, a
// gigabyte upload or download goes through in constant memory. Trailers
// go both ways; 103 Early Hints are relayed as they come, and Expect:
// 100-continue is forwarded so that the client's body flows only after the
// upstream's 100 (Go's own HTTP/2 engine, h2.EngineStd, keeps Expect from
// handlers: there the 100 goes out as the proxy starts reading the body).
// Server-sent events and gRPC are flushed write by write (see
// Handler.FlushInterval).
//
// # HTTP/1.1 upstreams
//
// An http:// upstream is spoken to by the Transport's own HTTP/1.1 client,
// not net/http's: a pool of kept-alive connections per upstream address,
// no pipelining, and no goroutine per connection. The request is written
// and the response head read on the handler's goroutine, the body read as
// the handler copies it; only a request body that is long, of unknown
// length or waiting for a 100 Continue is written from a goroutine of its
// own, so that a response can come while it is sent. Buffers are pooled
// and held only while a request is on the connection. The response's
// framing follows RFC 9112 as strictly as package h1 reads requests:
// Transfer-Encoding must be exactly "chunked" and is refused beside a
// Content-Length or in HTTP/1.0, Content-Length must be digits (equal if
// repeated), and obs-fold, whitespace before a colon or control bytes in
// a field get the client a 502 and close the connection. A kept-alive
// connection that the upstream closed while idle is replaced without the
// client noticing: a request that can be sent again is, on a new
// connection; one that cannot is sent only on a connection checked open.
// https:// upstreams (HTTP/2 or HTTP/1.1 by ALPN), h2c:// and h3:// ones
// go through net/http's and quic-go's transports.
//
// # Failures
//
// A request whose connection to the upstream fails before any response
// came (refused, reset, closed) is sent again to another upstream if it is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) and has no body.
// Otherwise the client gets 502 Bad Gateway (unreachable upstream, invalid
// or truncated response header, untrusted certificate), 503 Service
// Unavailable (no upstream available) or 504 Gateway Timeout (connect or
// response-header timeout), with a line naming the problem; the details
// go to the log. A response that breaks within its body is aborted
// (http.ErrAbortHandler: a stream reset over HTTP/2 and HTTP/3, a closed
// connection over HTTP/1.1), so the client never takes it for complete.
//
// # Why not httputil.ReverseProxy
//
// The Handler follows httputil.ReverseProxy closely (its hop-by-hop list,
// its trailer and 1xx handling) but does its own round trip: it needs to
// pick another upstream for a retry, to tell the pool how each request
// ended (passive health checks), to time the response header on every
// transport, HTTP/3 included, and to leave bodies of known length to the
// server's buffering instead of flushing them write by write.
package proxy
