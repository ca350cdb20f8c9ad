package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newTestCA returns a LocalCA in a fresh temporary directory.
func newTestCA(t testing.TB) *LocalCA {
	t.Helper()
	return &LocalCA{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
}

// serveTLS listens on addr ("127.0.0.1:0" or "[::1]:0") with cfg, completing
// handshakes until the test ends. It returns the listener's address.
func serveTLS(t *testing.T, network, addr string, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen(network, addr, cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	t.Cleanup(func() { ln.Close() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					io.Copy(io.Discard, c) // until the client closes
				}
			})
		}
	})
	return ln.Addr().String()
}

func TestLocalCAHandshake(t *testing.T) {
	ca := newTestCA(t)
	pool, err := ca.RootPool()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		network    string
		listen     string
		serverName string // sent as SNI; "" sends none
		verifyName string // checked against the certificate
	}{
		{"localhost", "tcp4", "127.0.0.1:0", "localhost", "localhost"},
		{"ipv4-no-sni", "tcp4", "127.0.0.1:0", "", "127.0.0.1"},
		{"ipv6-no-sni", "tcp6", "[::1]:0", "", "::1"},
		{"dot-test", "tcp4", "127.0.0.1:0", "app.test", "app.test"},
		{"sub-localhost", "tcp4", "127.0.0.1:0", "api.localhost", "api.localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.network == "tcp6" && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback")
			}
			addr := serveTLS(t, tt.network, tt.listen, TCP(ca, "h2", "http/1.1"))
			conn, err := tls.Dial(tt.network, addr, verifyingClient(pool, tt.serverName, tt.verifyName))
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer conn.Close()
			if got := conn.ConnectionState().NegotiatedProtocol; got != "h2" {
				t.Errorf("NegotiatedProtocol = %q; want h2", got)
			}
		})
	}
}

// verifyingClient returns a client configuration sending serverName as SNI
// (none if empty) and verifying the chain against pool for verifyName.
func verifyingClient(pool *x509.CertPool, serverName, verifyName string) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		NextProtos:         []string{"h2", "http/1.1"},
		InsecureSkipVerify: true, // verified below, so that no SNI can be sent
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.ServerName != serverName {
				return errors.New("ServerName sent = " + cs.ServerName + "; want " + serverName)
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
				DNSName:       verifyName,
				Roots:         pool,
				Intermediates: inter,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			return err
		},
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestLocalCAPublicNameRefused(t *testing.T) {
	ca := newTestCA(t)
	_, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "Example.COM."})
	want := `tlsconf: local CA will not issue for public name "example.com"; use --domain for ACME`
	if err == nil || err.Error() != want {
		t.Fatalf("GetCertificate(example.com) error = %v; want %s", err, want)
	}
	var pe *PublicNameError
	if !errors.As(err, &pe) || pe.Name != "example.com" {
		t.Errorf("error = %#v; want *PublicNameError{example.com}", err)
	}

	// Over a real handshake, the client sees it fail.
	pool, _ := ca.RootPool()
	addr := serveTLS(t, "tcp4", "127.0.0.1:0", TCP(ca, "http/1.1"))
	conn, err := tls.Dial("tcp4", addr, &tls.Config{RootCAs: pool, ServerName: "example.com"})
	if err == nil {
		conn.Close()
		t.Fatal("Dial example.com succeeded; want handshake failure")
	}
}

func TestLocalCANamesField(t *testing.T) {
	ca := newTestCA(t)
	ca.Names = []string{"dev.example.com", "*.apps.example.org"}
	for _, name := range []string{"dev.example.com", "x.apps.example.org"} {
		cert, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
		if err != nil {
			t.Errorf("GetCertificate(%q): %v", name, err)
			continue
		}
		if err := cert.Leaf.VerifyHostname(name); err != nil {
			t.Errorf("leaf for %q: %v", name, err)
		}
	}
	if _, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "a.b.apps.example.org"}); err == nil {
		t.Errorf("GetCertificate(a.b.apps.example.org) succeeded; want error")
	}
}

func TestLocalCARootPersisted(t *testing.T) {
	dir := t.TempDir()
	ca1 := &LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	if err := ca1.Load(); err != nil {
		t.Fatal(err)
	}
	ca2 := &LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	r1, _ := ca1.Root()
	r2, err := ca2.Root()
	if err != nil {
		t.Fatal(err)
	}
	if !r1.Equal(r2) {
		t.Errorf("second LocalCA on %s made a new root", dir)
	}
	if got, want := ca2.RootFile(), filepath.Join(dir, "ca", "root.pem"); got != want {
		t.Errorf("RootFile = %q; want %q", got, want)
	}
	modes := map[string]os.FileMode{
		"ca":              0o700 | os.ModeDir,
		"ca/root.pem":     0o644,
		"ca/root-key.pem": 0o600,
	}
	for name, want := range modes {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != want {
			t.Errorf("mode of %s = %v; want %v", name, got, want)
		}
	}
	// A leaf from one verifies against the other's pool.
	cert, err := ca1.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := ca2.RootPool()
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool}); err != nil {
		t.Errorf("leaf from ca1 does not verify with ca2's root: %v", err)
	}
}

func TestLocalCARootProperties(t *testing.T) {
	root, err := newTestCA(t).Root()
	if err != nil {
		t.Fatal(err)
	}
	if !root.IsCA || !root.BasicConstraintsValid || root.MaxPathLen != 0 || !root.MaxPathLenZero {
		t.Errorf("root IsCA=%v MaxPathLen=%d MaxPathLenZero=%v; want CA with MaxPathLen 0",
			root.IsCA, root.MaxPathLen, root.MaxPathLenZero)
	}
	if want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign; root.KeyUsage != want {
		t.Errorf("root KeyUsage = %v; want %v", root.KeyUsage, want)
	}
	if root.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("root key = %v; want ECDSA", root.PublicKeyAlgorithm)
	}
	if life := root.NotAfter.Sub(time.Now()); life < 9*365*24*time.Hour {
		t.Errorf("root lifetime = %v; want about 10 years", life)
	}
}

func TestLocalCAConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	roots := make([]*x509.Certificate, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ca := &LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
			r, err := ca.Root()
			if err != nil {
				t.Error(err)
				return
			}
			roots[i] = r
		})
	}
	wg.Wait()
	for i, r := range roots {
		if r != nil && !r.Equal(roots[0]) {
			t.Errorf("root %d differs from root 0", i)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".ca-new-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}
}

func TestLocalCALoadError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ca := &LocalCA{Dir: file}
	if err := ca.Load(); err == nil {
		t.Fatal("Load with Dir a regular file succeeded; want error")
	}
	if _, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"}); err == nil {
		t.Error("GetCertificate succeeded after Load failed; want error")
	}
}

func TestLocalCAMissingKey(t *testing.T) {
	ca := newTestCA(t)
	if err := ca.Load(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ca.Dir, "ca", "root-key.pem"))
	err := (&LocalCA{Dir: ca.Dir}).Load()
	if err == nil {
		t.Fatal("Load without root-key.pem succeeded; want error")
	}
	t.Log(err)
}

func TestLocalCALeaf(t *testing.T) {
	ca := newTestCA(t)
	cert, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "App.Test."})
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf.IsCA {
		t.Error("leaf IsCA = true")
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("leaf ExtKeyUsage = %v; want [ServerAuth]", leaf.ExtKeyUsage)
	}
	if life := leaf.NotAfter.Sub(time.Now()); life < leafTTL-time.Minute || life > leafTTL {
		t.Errorf("leaf lifetime = %v; want %v", life, leafTTL)
	}
	for _, name := range []string{"app.test", "localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("leaf: %v", err)
		}
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("leaf key = %v; want ECDSA", leaf.PublicKeyAlgorithm)
	}
}

func TestLocalCALeafCached(t *testing.T) {
	ca := newTestCA(t)
	const n = 32
	certs := make([]*tls.Certificate, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
			if err != nil {
				t.Error(err)
			}
			certs[i] = c
		})
	}
	wg.Wait()
	for i, c := range certs {
		if c != certs[0] {
			t.Fatalf("certificate %d differs from 0: issued more than once", i)
		}
	}
}

func TestLeafCacheSingleIssue(t *testing.T) {
	var c leafCache
	var calls atomic.Int32
	release := make(chan struct{})
	issue := func(string) (*tls.Certificate, error) {
		calls.Add(1)
		<-release
		return &tls.Certificate{Leaf: &x509.Certificate{NotAfter: time.Now().Add(leafTTL)}}, nil
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.get("x", issue) })
	}
	time.Sleep(10 * time.Millisecond) // let them queue up
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("issue called %d times; want 1", n)
	}
}

func TestLeafCacheRenew(t *testing.T) {
	var c leafCache
	notAfter := time.Now().Add(leafRenew - time.Minute) // due for renewal
	var calls int
	issue := func(string) (*tls.Certificate, error) {
		calls++
		return &tls.Certificate{Leaf: &x509.Certificate{NotAfter: notAfter}}, nil
	}
	c.get("x", issue)
	notAfter = time.Now().Add(leafTTL)
	c.get("x", issue)
	c.get("x", issue)
	if calls != 2 {
		t.Errorf("issue called %d times; want 2 (one renewal)", calls)
	}

	// Failures are not cached.
	failing := func(string) (*tls.Certificate, error) { calls++; return nil, errors.New("boom") }
	c.get("y", failing)
	c.get("y", failing)
	if calls != 4 {
		t.Errorf("issue called %d times; want 4 (failures retried)", calls)
	}
}

func TestLeafCacheBounded(t *testing.T) {
	var c leafCache
	issue := func(string) (*tls.Certificate, error) {
		return &tls.Certificate{Leaf: &x509.Certificate{NotAfter: time.Now().Add(leafTTL)}}, nil
	}
	for i := range maxLeaves + 50 {
		c.get(string(rune('a'+i%26))+time.Duration(i).String(), issue)
	}
	if n := len(c.calls); n > maxLeaves {
		t.Errorf("cache holds %d leaves; want at most %d", n, maxLeaves)
	}
}
