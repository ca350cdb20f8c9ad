// Package tlsconf supplies the certificates for trio's listeners: one
// [Source] feeds both the TLS-over-TCP listener (HTTP/1.1 and HTTP/2, via
// [TCP]) and the QUIC listener (HTTP/3, via [QUIC]), so all three protocols
// always present the same certificate. Sources hand out certificates
// through GetCertificate, at every handshake, so a renewed or reloaded
// certificate reaches both listeners without a restart and without
// touching open connections.
//
// It is imported by the root trio package, which builds its listeners from a
// Source, and by cmd/trio, which picks the Source from flags and installs the
// local root into the system trust store. Protocol packages (h1, h2, h3) do
// not import it; they receive a finished *tls.Config. It is the only
// package that imports certmagic.
//
// # Sources
//
//   - [LocalCA] is a local development CA, like mkcert or Caddy's internal
//     issuer: a root persisted on disk and short-lived leaves issued in
//     memory for local names (localhost, *.test, IP literals, ...).
//   - [Files] loads a certificate chain and key from PEM files;
//     [FileSource.Watch] reloads them when they change.
//   - [ACME] obtains and renews certificates from an ACME CA such as Let's
//     Encrypt through certmagic, for its Domains at start-up and, behind
//     an allow-list or an ask URL ([OnDemand]), at a name's first
//     handshake.
//   - [Router] combines them, choosing per server name: ACME for its
//     domains, files for the names their certificates cover, the local CA
//     for local names. [Router.Expiries] reports when each name's
//     certificate expires, for metrics.
//
// # ACME
//
// The http-01 challenge is answered by the cleartext listener, whose
// handler trio.Server wraps with [ACME.HTTPChallengeHandler] (before its
// redirect to https); tls-alpn-01 by the TLS listener, which offers
// "acme-tls/1" in ALPN. The CA validates on ports 80 and 443: set
// ACME.HTTPPort and ACME.TLSPort to the listeners' ports, and forward 80
// and 443 to them if they differ.
//
// Renewal and OCSP stapling are certmagic's: certificates are checked
// every RenewCheckInterval and renewed when the CA's ARI window says so
// or a third of their lifetime is left; OCSP responses, where the CA
// still offers them, are stapled and refreshed. A renewed certificate is
// used by the next handshake on TCP and QUIC alike.
//
// # Clusters
//
// Several trio instances serving the same names should share one ACME
// Storage: a directory on a shared file system (certmagic.FileStorage,
// the default being DefaultDir()/certmagic on each machine) or any other
// certmagic.Storage (a database, a key-value store). They then share the
// ACME account and the certificates, and certmagic's storage locks let only
// one instance order or renew a certificate while the others wait and
// load the result. Challenges are also kept in storage, so whichever
// instance the CA's validation request reaches can answer it, even if
// another instance placed the order. The storage must support locking
// across machines (FileStorage does on shared file systems whose
// operations are atomic, such as NFSv4; not on eventually consistent
// object stores).
//
// # Trust
//
// [Trust] and [Untrust] add and remove the local root in the Debian/Ubuntu
// system store; [BrowserHelp] explains how to trust it in browsers that keep
// their own store.
//
// # HSTS
//
// [HSTS] wraps a handler to add Strict-Transport-Security to responses
// sent over TLS.
package tlsconf
