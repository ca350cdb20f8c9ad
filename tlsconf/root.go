package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// Names of the local CA's files, relative to LocalCA.Dir.
const (
	caDir       = "ca"
	rootCert    = "root.pem"
	rootKey     = "root-key.pem"
	rootTTL     = 10 * 365 * 24 * time.Hour
	clockSkew   = time.Hour // certificates start this long before now
	serialLimit = 128       // bits in random serial numbers
)

// A root is the local CA's certificate and private key.
type root struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// loadOrCreateRoot loads the root from dir/ca, creating it first if it does
// not exist. Two processes creating it at once agree on one root: each
// writes a complete temporary directory and renames it to dir/ca, which
// fails for the loser, who then loads the winner's.
func loadOrCreateRoot(dir string) (r *root, created bool, err error) {
	r, err = readRoot(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		return r, false, err
	}
	renameErr := createRoot(dir)
	r, err = readRoot(dir)
	if err != nil && renameErr != nil {
		return nil, false, renameErr
	}
	return r, renameErr == nil, err
}

// readRoot reads and checks dir/ca/root.pem and root-key.pem. It returns an
// error wrapping fs.ErrNotExist only if the certificate file is missing.
func readRoot(dir string) (*root, error) {
	certFile := filepath.Join(dir, caDir, rootCert)
	keyFile := filepath.Join(dir, caDir, rootKey)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tlsconf: local CA: %s exists but %s is missing; remove %s to start a new CA",
			certFile, keyFile, filepath.Join(dir, caDir))
	}
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA: %w", err)
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA root %q: %w", certFile, err)
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA key %q: %w", keyFile, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("tlsconf: local CA root %q: not a CA certificate", certFile)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("tlsconf: local CA key %q does not match root %q", keyFile, certFile)
	}
	return &root{cert: cert, key: key}, nil
}

// createRoot generates a root and renames it into place as dir/ca.
func createRoot(dir string) error {
	certPEM, keyPEM, err := newRootPEM()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tlsconf: local CA: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".ca-new-") // mode 0700
	if err != nil {
		return fmt.Errorf("tlsconf: local CA: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename, tmp is gone
	if err := os.WriteFile(filepath.Join(tmp, rootKey), keyPEM, 0o600); err != nil {
		return fmt.Errorf("tlsconf: local CA: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, rootCert), certPEM, 0o644); err != nil {
		return fmt.Errorf("tlsconf: local CA: %w", err)
	}
	// Rename replaces an empty dir/ca but fails if another process has
	// already put a root there.
	if err := os.Rename(tmp, filepath.Join(dir, caDir)); err != nil {
		return fmt.Errorf("tlsconf: local CA: %w", err)
	}
	return nil
}

// newRootPEM generates a root certificate and key, PEM-encoded.
func newRootPEM() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: generating local CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization: []string{"trio local CA"},
			CommonName:   fmt.Sprintf("trio local CA %s %s", host, rand.Text()[:8]),
		},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(rootTTL),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: creating local CA root: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: encoding local CA key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

// randomSerial returns a positive random serial number.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), serialLimit)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: generating serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
