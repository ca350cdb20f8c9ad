package tlsconf_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
)

// newPair returns a self-signed certificate for name with the given
// serial, and its key, as PEM.
func newPair(t *testing.T, name string, serial int64) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), cert
}

// replaceFile writes data to a temporary file and renames it over name,
// as certificate tools do.
func replaceFile(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// TestFilesHotReload replaces the certificate files of a serving trio
// server: new handshakes on HTTP/1.1, HTTP/2 and HTTP/3 get the new
// certificate, and open connections go on working. A mismatched pair is
// refused with one line and the previous certificate stays.
func TestFilesHotReload(t *testing.T) {
	t.Parallel()
	const name = "reload.test"
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert1, key1, leaf1 := newPair(t, name, 1)
	cert2, key2, leaf2 := newPair(t, name, 2)
	replaceFile(t, certFile, cert1)
	replaceFile(t, keyFile, key1)
	src, err := tlsconf.Files(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go src.Watch(ctx, 20*time.Millisecond)
	s := listen(t, false)
	s.serve(t, src)

	roots := x509.NewCertPool()
	roots.AddCert(leaf1)
	roots.AddCert(leaf2)
	kept := make(map[string]func() error)
	for _, proto := range protos {
		c, url := newClient(t, s, proto, name, roots)
		if leaf, err := get(c, url, proto); err != nil || !leaf.Equal(leaf1) {
			t.Fatalf("%s before reload: leaf %v, %v; want serial 1", proto, leaf.SerialNumber, err)
		}
		kept[proto] = func() error { _, err := get(c, url, proto); return err }
	}

	replaceFile(t, keyFile, key2) // mismatched until the certificate follows
	replaceFile(t, certFile, cert2)
	for _, proto := range protos {
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, url := newClient(t, s, proto, name, roots)
			leaf, err := get(c, url, proto)
			closeClient(c)
			if err != nil {
				t.Fatalf("%s: new connection: %v", proto, err)
			}
			if leaf.Equal(leaf2) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: new handshakes still get serial %v", proto, leaf.SerialNumber)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := kept[proto](); err != nil {
			t.Errorf("%s: connection opened before the reload: %v", proto, err)
		}
	}

	replaceFile(t, keyFile, key1)
	err = src.Reload()
	want := `tlsconf: key file "` + keyFile + `" does not match certificate file "` + certFile + `"`
	if err == nil || err.Error() != want {
		t.Errorf("Reload with a mismatched key = %v\nwant %s", err, want)
	}
	if !src.Certificate().Leaf.Equal(leaf2) {
		t.Error("failed Reload replaced the certificate")
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("error has several lines: %q", err)
	}
}
