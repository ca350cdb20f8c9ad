package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// leafKeyFile, in Dir/ca beside the root, holds the key every leaf of the
// local CA certifies. Leaves are reissued in memory at each start and each
// week, but their public key stays the same, so a pin of it (Chromium's
// --ignore-certificate-errors-spki-list, which `trio serve` prints for
// HTTP/3) keeps working across restarts.
const leafKeyFile = "leaf-key.pem"

// leafKey loads the leaf key of the CA in dir, creating it on first use.
// Processes creating it at once agree on one: each links a complete
// temporary file into place, which fails for all but the first, and the
// others load the winner's.
func leafKey(dir string) (crypto.Signer, error) {
	name := filepath.Join(dir, caDir, leafKeyFile)
	key, err := readLeafKey(name)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createLeafKey(name); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return readLeafKey(name)
}

func readLeafKey(name string) (crypto.Signer, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA leaf key: %w", err)
	}
	key, err := parseKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: local CA leaf key %q: %w", name, err)
	}
	return key, nil
}

func createLeafKey(name string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("tlsconf: generating the leaf key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("tlsconf: encoding the leaf key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".leaf-key-") // mode 0600
	if err != nil {
		return fmt.Errorf("tlsconf: local CA leaf key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), name)
	}
	if err != nil {
		return fmt.Errorf("tlsconf: local CA leaf key: %w", err)
	}
	return nil
}
