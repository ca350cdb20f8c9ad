package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"path/filepath"
	"sync"
)

// A LocalCA is a local development certificate authority, like mkcert or
// Caddy's internal issuer. On first use it creates a root certificate in
// Dir (later uses load it); it then issues short-lived leaf certificates in
// memory, on demand, for the server name each client asks for.
//
// It issues only for local names: localhost and *.localhost, names under
// .local, .test, .internal and .home.arpa, single-label hostnames, the
// machine's hostname, IP literals, and the names in Names. Clients trust
// the leaves once the root is trusted (see [Trust] and [BrowserHelp]).
//
// The zero value is ready to use. A LocalCA must not be copied after first
// use, and its fields must not change after first use.
type LocalCA struct {
	// Dir holds the root, in Dir/ca/root.pem and Dir/ca/root-key.pem.
	// If empty, DefaultDir() is used.
	Dir string

	// Names lists further names to issue for, beyond the local ones.
	// An entry "*.example.com" allows any single label under example.com.
	// If empty, only local names are allowed.
	Names []string

	// Logger records the creation of the root and each issued leaf.
	// If nil, slog.Default() is used.
	Logger *slog.Logger

	mu   sync.Mutex // guards root
	root *root

	leaves leafCache
}

// dir returns Dir or its default.
func (ca *LocalCA) dir() string {
	if ca.Dir == "" {
		return DefaultDir()
	}
	return ca.Dir
}

// logger returns Logger or its default.
func (ca *LocalCA) logger() *slog.Logger {
	if ca.Logger == nil {
		return slog.Default()
	}
	return ca.Logger
}

// Load loads the root from Dir, creating it if it does not exist yet. Other
// methods call it as needed; call it at start-up to report a problem with
// Dir early. A failed Load is retried on the next call.
func (ca *LocalCA) Load() error {
	_, err := ca.loadRoot()
	return err
}

// loadRoot returns the root, loading or creating it on first use.
func (ca *LocalCA) loadRoot() (*root, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.root != nil {
		return ca.root, nil
	}
	r, created, err := loadOrCreateRoot(ca.dir())
	if err != nil {
		return nil, err
	}
	if created {
		ca.logger().Info("tlsconf: created local CA root",
			"subject", r.cert.Subject.CommonName, "file", ca.RootFile())
	}
	ca.root = r
	return r, nil
}

// RootFile returns the path of the root certificate, Dir/ca/root.pem. The
// file exists once Load has succeeded.
func (ca *LocalCA) RootFile() string {
	return filepath.Join(ca.dir(), caDir, rootCert)
}

// Root returns the root certificate, loading or creating it on first use.
func (ca *LocalCA) Root() (*x509.Certificate, error) {
	r, err := ca.loadRoot()
	if err != nil {
		return nil, err
	}
	return r.cert, nil
}

// RootPool returns a new pool holding only the root certificate, for
// clients that should trust this CA's leaves.
func (ca *LocalCA) RootPool() (*x509.CertPool, error) {
	cert, err := ca.Root()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, nil
}

// TLSConfig returns a server configuration whose GetCertificate is
// ca.GetCertificate. It implements [Source]. It does not load the root: a
// failure to load it is returned from each handshake (call Load to find it
// earlier).
func (ca *LocalCA) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: ca.GetCertificate}
}

// GetCertificate returns a leaf certificate for the server name in hello,
// issuing it if none is cached or the cached one expires within a day.
// Without a server name (clients connecting to an IP address send none) it
// issues for the connection's local IP address. Every leaf is also valid
// for localhost, 127.0.0.1 and ::1. Names that are not local fail with a
// [*PublicNameError].
func (ca *LocalCA) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := normalizeName(hello.ServerName)
	if name == "" {
		name = localIP(hello)
	}
	if name != "localhost" {
		if err := checkName(name, ca.Names); err != nil {
			return nil, err
		}
	}
	return ca.leaves.get(name, ca.issue)
}
