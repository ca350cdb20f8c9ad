// Package tlsconf supplies the certificates for trio's listeners: one
// [Source] feeds both the TLS-over-TCP listener (HTTP/1.1 and HTTP/2, via
// [TCP]) and the QUIC listener (HTTP/3, via [QUIC]), so all three protocols
// always present the same certificate.
//
// It is imported by the root trio package, which builds its listeners from a
// Source, and by cmd/trio, which picks the Source from flags and installs the
// local root into the system trust store. Protocol packages (h1, h2, h3) do
// not import it; they receive a finished *tls.Config.
//
// # Sources
//
//   - [LocalCA] is a local development CA, like mkcert or Caddy's internal
//     issuer: a root persisted on disk and short-lived leaves issued in
//     memory for local names (localhost, *.test, IP literals, ...).
//   - [Files] loads a certificate chain and key from PEM files.
//
// Certificates from ACME (via certmagic) will live here too; this is the
// only package that imports certmagic.
//
// # Trust
//
// [Trust] and [Untrust] add and remove the local root in the Debian/Ubuntu
// system store; [BrowserHelp] explains how to trust it in browsers that keep
// their own store.
package tlsconf
