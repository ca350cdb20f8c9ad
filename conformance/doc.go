// Package conformance checks how well an HTTP server follows the RFCs: HTTP/1.1
// message parsing and framing (RFC 9112), HTTP/2 (RFC 9113 through h2spec, and
// RFC 8441 extended CONNECT), HTTP/3 and QPACK (RFC 9114, RFC 9204, RFC 9220),
// Alt-Svc (RFC 7838), WebSockets over every HTTP version (RFC 6455, RFC 7692,
// RFC 8441, RFC 9220) and HTTP semantics: conditional requests and ranges
// (RFC 9110).
//
// It is the engine of `trio check URL`; only cmd/trio imports it. Any server
// can be checked, and trio's own tests hold trio to a full pass.
//
// # Running
//
//	rep, err := conformance.Run(ctx, "https://example.com/index.html", &conformance.Options{})
//	rep.WriteText(os.Stdout) // one line per case, then "N passed, M failed"
//
// Each [Result] names its case, the RFC section, a one-line expectation, the
// [Status] and what was seen. A case that cannot run against the target (no
// HTTP/3, no ETag, h2spec missing) is [Skip] with the reason, never [Fail].
//
// # Suites
//
// h1 talks raw HTTP/1.1 over TCP or TLS, including request-smuggling vectors;
// h2 runs the h2spec binary and raw frames through x/net's Framer; h3 drives
// quic-go's QUIC layer directly, opening its own control and request streams;
// altsvc follows Alt-Svc from TCP to HTTP/3; ws opens WebSockets with package
// ws over HTTP/1.1, HTTP/2 and HTTP/3 to an echo endpoint (Options.WSPath)
// and sends broken frames over a raw HTTP/1.1 Upgrade; semantics sends
// conditional and range requests for the target URL, which should name a
// static resource.
//
// # Comparing servers
//
// compare.sh starts trio, nginx and Caddy on loopback, serving one file, runs
// every suite against each and prints a markdown table.
package conformance
