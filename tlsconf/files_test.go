package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes data to name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// selfSigned returns a PEM certificate for localhost valid until notAfter
// and its PEM key, of type "ec" (SEC 1), "pkcs8" or "rsa" (PKCS #1).
func selfSigned(t *testing.T, keyType string, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	var key any
	var keyBlock *pem.Block
	switch keyType {
	case "ec", "pkcs8":
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		key = k
		der, _ := x509.MarshalECPrivateKey(k)
		keyBlock = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
		if keyType == "pkcs8" {
			der, _ = x509.MarshalPKCS8PrivateKey(k)
			keyBlock = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		}
	case "rsa":
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		key = k
		keyBlock = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    notAfter.Add(-48 * time.Hour),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.(crypto.Signer).Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(keyBlock)
}

func TestFiles(t *testing.T) {
	for _, keyType := range []string{"ec", "pkcs8", "rsa"} {
		t.Run(keyType, func(t *testing.T) {
			dir := t.TempDir()
			certPEM, keyPEM := selfSigned(t, keyType, time.Now().Add(24*time.Hour))
			src, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(certPEM)
			addr := serveTLS(t, "tcp4", "127.0.0.1:0", TCP(src, "http/1.1"))
			conn, err := tls.Dial("tcp4", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			conn.Close()
		})
	}
}

func TestFilesExpiredLoads(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ec", time.Now().Add(-time.Hour))
	src, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
	if err != nil {
		t.Fatalf("Files(expired) = %v; want loaded with a warning", err)
	}
	if src.Certificate().Leaf == nil {
		t.Error("Certificate().Leaf = nil")
	}
}

func TestFilesErrors(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ec", time.Now().Add(24*time.Hour))
	_, otherKey := selfSigned(t, "ec", time.Now().Add(24*time.Hour))
	_, rsaKey := selfSigned(t, "rsa", time.Now().Add(24*time.Hour))
	cert := writeFile(t, dir, "cert.pem", certPEM)
	key := writeFile(t, dir, "key.pem", keyPEM)
	garbage := writeFile(t, dir, "garbage.pem", []byte("hello, not PEM\n"))
	other := writeFile(t, dir, "other-key.pem", otherKey)
	rsaFile := writeFile(t, dir, "rsa-key.pem", rsaKey)
	badDER := writeFile(t, dir, "bad.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}))
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name, cert, key, want string
	}{
		{"missing cert", missing, key, `tlsconf: certificate file "` + missing + `": no such file`},
		{"missing key", cert, missing, `tlsconf: key file "` + missing + `": no such file`},
		{"cert is dir", dir, key, `tlsconf: certificate file "` + dir + `": is a directory`},
		{"garbage cert", garbage, key, `tlsconf: certificate file "` + garbage + `": not PEM`},
		{"garbage key", cert, garbage, `tlsconf: key file "` + garbage + `": not PEM`},
		{"swapped", key, cert, `tlsconf: certificate file "` + key + `": no CERTIFICATE block, only EC PRIVATE KEY`},
		{"bad DER", badDER, key, `tlsconf: certificate file "` + badDER + `": x509: malformed certificate`},
		{"mismatch", cert, other, `tlsconf: key file "` + other + `" does not match certificate file "` + cert + `"`},
		{"mismatch type", cert, rsaFile, `tlsconf: key file "` + rsaFile + `" does not match certificate file "` + cert + `"`},
	}
	for _, tt := range tests {
		_, err := Files(tt.cert, tt.key)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Files error = %v\nwant %s", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error has several lines: %q", tt.name, err)
		}
	}
}
