package tlsconf

import (
	"crypto/tls"
	"slices"
)

// A Source supplies the certificates for a server's TLS handshakes. One
// Source feeds both the TCP listener (HTTP/1.1 and HTTP/2) and the QUIC
// listener (HTTP/3), so a renewed certificate reaches both at once.
type Source interface {
	// TLSConfig returns the base server configuration: GetCertificate and
	// anything the source itself needs in NextProtos (such as "acme-tls/1").
	// Callers must not modify it; TCP and QUIC clone it.
	TLSConfig() *tls.Config
}

// TCP returns the configuration for a TLS-over-TCP listener offering protos
// in ALPN (for example "h2", "http/1.1"), keeping the source's own protocols.
func TCP(src Source, protos ...string) *tls.Config {
	c := src.TLSConfig().Clone()
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	own := c.NextProtos
	c.NextProtos = slices.Clone(protos)
	for _, p := range own {
		if !slices.Contains(c.NextProtos, p) {
			c.NextProtos = append(c.NextProtos, p)
		}
	}
	return c
}

// QUIC returns the configuration for a QUIC listener: TLS 1.3 only, ALPN
// "h3", sharing the source's GetCertificate.
func QUIC(src Source) *tls.Config {
	c := src.TLSConfig().Clone()
	c.MinVersion = tls.VersionTLS13
	c.NextProtos = []string{"h3"}
	return c
}
