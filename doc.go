// Package trio serves one [http.Handler] over HTTP/1.1, HTTP/2 and HTTP/3.
//
// A [Server] listens on one TCP port with TLS (ALPN h2 and http/1.1) and on
// the same UDP port number with QUIC (HTTP/3), advertises HTTP/3 to TCP
// clients with an Alt-Svc header, and optionally serves a cleartext listener
// (HTTP/1.1 and h2c, or a redirect to https). Its zero value serves
// [http.NotFoundHandler] on :8443 with a certificate from the local
// development CA:
//
//	srv := &trio.Server{Addr: "localhost:8443", Handler: mux}
//	log.Fatal(srv.ListenAndServe())
//
// # Protocols
//
// What is particular to one protocol lives in its own package: h1 (timeouts,
// the h2c upgrade, the https redirect), h2 (HTTP/2 settings and engine), h3
// (QUIC settings, UDP buffers, Alt-Svc). This package wires them together;
// the handler sees r.Proto "HTTP/1.1", "HTTP/2.0" or "HTTP/3.0" and needs no
// other change.
//
// # Shutdown
//
// [Server.Shutdown] stops accepting, sends GOAWAY on HTTP/2 and HTTP/3, lets
// in-flight requests finish and closes idle connections.
package trio
