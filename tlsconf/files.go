package tlsconf

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// A FileSource serves a certificate chain and private key loaded from PEM
// files. Create one with [Files].
type FileSource struct {
	certFile, keyFile string
	logger            *slog.Logger
	cert              atomic.Pointer[tls.Certificate] // swapped by a reload

	mu     sync.Mutex   // guards stamps
	stamps [2]fileStamp // of certFile and keyFile when last read
}

// Files loads a PEM certificate chain (leaf first) from certFile and its
// PEM private key from keyFile. Each error is one line naming the file and
// what is wrong with it. An expired or not yet valid certificate is loaded,
// with a warning logged to slog.Default().
func Files(certFile, keyFile string) (*FileSource, error) {
	s := &FileSource{certFile: certFile, keyFile: keyFile, logger: slog.Default()}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// TLSConfig returns a server configuration serving the loaded certificate.
// It implements [Source].
func (s *FileSource) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: s.getCertificate}
}

// getCertificate returns the loaded certificate, whatever the server name.
func (s *FileSource) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cert.Load(), nil
}

// covers reports whether the loaded certificate is valid for name.
func (s *FileSource) covers(name string) bool {
	return s.cert.Load().Leaf.VerifyHostname(name) == nil
}

// Certificate returns the loaded certificate, with Leaf set.
func (s *FileSource) Certificate() *tls.Certificate {
	return s.cert.Load()
}

// load reads the files and, if they are valid, replaces the certificate.
// On error the previous certificate stays.
func (s *FileSource) load() error {
	s.remember()
	cert, err := loadKeyPair(s.certFile, s.keyFile)
	if err != nil {
		return err
	}
	if now := time.Now(); now.After(cert.Leaf.NotAfter) {
		s.logger.Warn("tlsconf: certificate has expired", "file", s.certFile, "notAfter", cert.Leaf.NotAfter)
	} else if now.Before(cert.Leaf.NotBefore) {
		s.logger.Warn("tlsconf: certificate is not valid yet", "file", s.certFile, "notBefore", cert.Leaf.NotBefore)
	}
	s.cert.Store(cert)
	return nil
}

// loadKeyPair reads and checks a certificate chain and its key.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := readPEMFile("certificate", certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readPEMFile("key", keyFile)
	if err != nil {
		return nil, err
	}
	ders, err := certDERs(certPEM)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: certificate file %q: %v", certFile, err)
	}
	leaf, err := x509.ParseCertificate(ders[0])
	if err != nil {
		return nil, fmt.Errorf("tlsconf: certificate file %q: %v", certFile, err)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: key file %q: %v", keyFile, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, fmt.Errorf("tlsconf: key file %q does not match certificate file %q", keyFile, certFile)
	}
	return &tls.Certificate{Certificate: ders, PrivateKey: key, Leaf: leaf}, nil
}

// readPEMFile reads a file, describing a failure in one line.
func readPEMFile(kind, name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("tlsconf: %s file %q: no such file", kind, name)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("tlsconf: %s file %q: permission denied", kind, name)
	case err != nil:
		return nil, fmt.Errorf("tlsconf: %s file %q: %v", kind, name, unwrapPath(err))
	}
	return data, nil
}
