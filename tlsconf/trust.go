package tlsconf

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// A TrustStore is a Debian/Ubuntu-style system trust store: a directory of
// extra CA certificates and the command that rebuilds the system bundle
// from it (update-ca-certificates).
type TrustStore struct {
	// Dir receives the root as trio-local-ca-<fingerprint>.crt.
	// If empty, /usr/local/share/ca-certificates is used.
	Dir string

	// Update is the command, with arguments, that rebuilds the bundle;
	// Untrust adds "--fresh". If empty, {"update-ca-certificates"} is used.
	Update []string
}

// DefaultTrustStore is the system trust store used by [Trust] and [Untrust].
var DefaultTrustStore = &TrustStore{}

// Trust adds the root certificate in rootFile to [DefaultTrustStore].
func Trust(rootFile string) error { return DefaultTrustStore.Trust(rootFile) }

// Untrust removes the root certificate in rootFile from [DefaultTrustStore].
func Untrust(rootFile string) error { return DefaultTrustStore.Untrust(rootFile) }

// dir returns Dir or its default.
func (s *TrustStore) dir() string {
	if s.Dir == "" {
		return "/usr/local/share/ca-certificates"
	}
	return s.Dir
}

// update returns Update or its default.
func (s *TrustStore) update() []string {
	if len(s.Update) == 0 {
		return []string{"update-ca-certificates"}
	}
	return s.Update
}

// Trust copies the root certificate in rootFile into the store and rebuilds
// the system bundle. It usually needs root privileges.
func (s *TrustStore) Trust(rootFile string) error {
	cert, err := readRootFile(rootFile)
	if err != nil {
		return err
	}
	if _, err := os.Stat(s.dir()); err != nil {
		return fmt.Errorf("tlsconf: trust store %q: %w (only Debian/Ubuntu's update-ca-certificates is supported)",
			s.dir(), unwrapPath(err))
	}
	name := filepath.Join(s.dir(), "trio-local-ca-"+shortFingerprint(cert)+".crt")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return storeError(name, err)
	}
	return s.run()
}

// Untrust removes every trio-local-ca-*.crt file holding the root
// certificate in rootFile from the store and rebuilds the system bundle
// from scratch. Removing a root that is not there is not an error.
func (s *TrustStore) Untrust(rootFile string) error {
	cert, err := readRootFile(rootFile)
	if err != nil {
		return err
	}
	names, err := filepath.Glob(filepath.Join(s.dir(), "trio-local-ca-*.crt"))
	if err != nil {
		return fmt.Errorf("tlsconf: trust store %q: %w", s.dir(), err)
	}
	removed := false
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if c, err := parseCertPEM(data); err != nil || !bytes.Equal(c.Raw, cert.Raw) {
			continue
		}
		if err := os.Remove(name); err != nil {
			return storeError(name, err)
		}
		removed = true
	}
	if !removed {
		return nil
	}
	return s.run("--fresh")
}

// run runs the update command with extra arguments.
func (s *TrustStore) run(extra ...string) error {
	args := slices.Concat(s.update(), extra)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("tlsconf: %s not found (install the ca-certificates package)", args[0])
	}
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // last line says most
		}
		if msg != "" {
			return fmt.Errorf("tlsconf: %s: %w: %s", args[0], err, msg)
		}
		return fmt.Errorf("tlsconf: %s: %w", args[0], err)
	}
	return nil
}

// readRootFile reads a CA certificate from a PEM file.
func readRootFile(rootFile string) (*x509.Certificate, error) {
	data, err := readPEMFile("root certificate", rootFile)
	if err != nil {
		return nil, err
	}
	cert, err := parseCertPEM(data)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: root certificate file %q: %v", rootFile, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("tlsconf: root certificate file %q: not a CA certificate", rootFile)
	}
	return cert, nil
}

// storeError explains a failure to change a file in the trust store.
func storeError(name string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("tlsconf: cannot change %q: permission denied; run as root (with sudo)", name)
	}
	return fmt.Errorf("tlsconf: trust store: %w", err)
}

// unwrapPath returns the cause inside a *fs.PathError, whose path the
// caller already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// shortFingerprint returns the first 8 bytes of the SHA-256 of cert, in hex.
func shortFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:8])
}
