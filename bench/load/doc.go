// Package load is a small HTTP load generator over HTTP/1.1, HTTP/2 and
// HTTP/3, the engine of `trio load` and of the HTTP/3 column of the bench
// script (wrk and h2load cover h1 and h2 there; nothing installable loads
// HTTP/3).
//
// # Model
//
// A run opens Options.Conns connections, each through its own transport so
// the count is exact, and keeps Options.Streams requests in flight on each
// (HTTP/1.1 has one per connection). Every worker reuses one request and one
// read buffer and records latencies in its own [Histogram], merged at the
// end, so the client's hot path allocates only what net/http and quic-go do.
//
// A run always stops by itself: at Options.Duration (10s if zero) or after
// Options.Requests attempts, whichever comes first. Requests cut off by the
// deadline are not counted.
//
// # Use
//
//	res, err := load.Run(ctx, load.Options{URL: "https://127.0.0.1:8443/", Proto: load.H3, Conns: 4, Streams: 16})
//	fmt.Print(res)
//
// Only cmd/trio and the bench script should import it.
package load
