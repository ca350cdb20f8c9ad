package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"testing"

	"github.com/triohttp/trio/tlsconf"
)

// A Cert is a throwaway local CA for one test: servers use Source, clients
// trust Pool.
type Cert struct {
	// Source issues leaves for localhost, 127.0.0.1, ::1 and other local
	// names; pass it to tlsconf.TCP or tlsconf.QUIC.
	Source tlsconf.Source

	// Pool holds only the CA's root.
	Pool *x509.CertPool
}

// New returns a local CA kept in t.TempDir(). It fails the test if the CA
// cannot be created.
func New(t testing.TB) *Cert {
	t.Helper()
	ca := &tlsconf.LocalCA{
		Dir:    t.TempDir(),
		Logger: slog.New(slog.DiscardHandler),
	}
	pool, err := ca.RootPool()
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return &Cert{Source: ca, Pool: pool}
}

// ClientTLS returns a client configuration trusting only c's root, with
// ServerName "localhost" (set another after the call if needed) and ALPN
// nextProtos.
func (c *Cert) ClientTLS(nextProtos ...string) *tls.Config {
	return &tls.Config{
		RootCAs:    c.Pool,
		ServerName: "localhost",
		NextProtos: nextProtos,
	}
}
