package config

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/tlsconf"
)

// writePair writes a self-signed certificate for names and its key into
// dir, as cert.pem and key.pem, and returns the leaf.
func writePair(t *testing.T, dir string, names ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	writeTestFile(t, filepath.Join(dir, "cert.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeTestFile(t, filepath.Join(dir, "key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	leaf, _ := x509.ParseCertificate(der)
	return leaf
}

// mustLeaf returns a self-signed leaf for names, with no files.
func mustLeaf(tb testing.TB, names ...string) *x509.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: names, NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return leaf
}

func writeTestFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCertFiles serves a site from its certificate files and another
// from the local CA on one listener, each over h1, h2 and h3 with its own
// certificate; Expiries reports the file's.
func TestCertFiles(t *testing.T) {
	dir := t.TempDir()
	fileLeaf := writePair(t, dir, "files.example", "*.files.example")
	writeTestFile(t, filepath.Join(dir, "www", "index.html"), "files site\n")
	writeTestFile(t, filepath.Join(dir, "trio.toml"), `
[[site]]
hosts = ["files.example", "*.files.example"]
root  = "www"
tls   = { cert = "cert.pem", key = "key.pem" }

[[site]]
hosts = ["local.localhost"]
`)
	ts := serveConfig(t, filepath.Join(dir, "trio.toml"))
	filePool := x509.NewCertPool()
	filePool.AddCert(fileLeaf)
	for _, proto := range protos {
		c, base := ts.clientTrusting(t, proto, "www.files.example", filePool)
		r := do(t, c, base, "www.files.example", "GET", "/", nil)
		if r.status != 200 || r.body != "files site\n" || !r.leaf.Equal(fileLeaf) {
			t.Errorf("%s: files site = %d %q from %q; want 200 from the file's certificate", proto, r.status, r.body, r.leaf.DNSNames)
		}
		c, base = ts.client(t, proto, "local.localhost")
		r = do(t, c, base, "local.localhost", "GET", "/api/whoami", nil)
		if r.status != 200 || !strings.Contains(r.body, `"serverName":"local.localhost"`) || !hasName(r.leaf.DNSNames, "local.localhost") {
			t.Errorf("%s: demo site = %d %q from %q; want the demo's whoami from a local leaf", proto, r.status, r.body, r.leaf.DNSNames)
		}
	}
	if got := ts.built.TLS.Expiries()["*.files.example"]; !got.Equal(fileLeaf.NotAfter) {
		t.Errorf("Expiries()[*.files.example] = %v; want %v", got, fileLeaf.NotAfter)
	}
}

// TestCertNotCovering refuses a certificate that does not cover a host
// of its site.
func TestCertNotCovering(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "files.example")
	file := filepath.Join(dir, "trio.toml")
	writeTestFile(t, file, "[[site]]\nhosts = [\"files.example\", \"*.other.example\"]\ntls = { cert = \"cert.pem\", key = \"key.pem\" }\n")
	_, err := Load(file)
	want := file + `:3:16: site[0].tls.cert: certificate does not cover host "*.other.example" (it covers files.example) (use a certificate for every host, or give the site an issuer instead)`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v\nwant %s", err, want)
	}
}

// TestACMESite gets a public host's certificate from an ACME CA (Pebble)
// by tls-alpn-01 on the server's own listener, as Start begins it, and
// a wildcard host's certificates on demand at their first handshake, and
// serves them over h1, h2 and h3.
func TestACMESite(t *testing.T) {
	const name, onDemand = "shop.trio-test.example", "x.blog.trio-test.example"
	ts := listenTest(t)
	pb := pebble.Start(t, pebble.Options{TLSPort: ts.port})
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "www", "index.html"), "acme site\n")
	writeTestFile(t, filepath.Join(dir, "trio.toml"), fmt.Sprintf(`
http = ""

[acme]
email   = "ops@trio-test.example"
ca      = %q
ca_root = %q

[[site]]
hosts = [%q]
root  = "www"

[[site]]
hosts = ["*.blog.trio-test.example"]
tls   = { on_demand = true }
`, pb.DirectoryURL, pb.APIRootFile, name))
	ts.serve(t, filepath.Join(dir, "trio.toml"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ts.built.TLS.ACME.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// A reload builds and starts a new router sharing the storage: it must
	// serve the stored certificate from its first handshake.
	c2, err := Load(filepath.Join(dir, "trio.toml"))
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c2.Build(ts.srv.Logger)
	if err != nil {
		t.Fatal(err)
	}
	stop2 := b2.Start(context.Background(), ts.port, 0)
	defer stop2()
	roots := pb.Root(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsconf.TCP(b2.TLS, "http/1.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: name, RootCAs: roots, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Errorf("the reloaded router's first handshake: %v", err)
	} else {
		conn.Close()
	}
	for _, proto := range protos {
		c, base := ts.clientTrusting(t, proto, name, roots)
		r := do(t, c, base, name, "GET", "/", nil)
		if r.status != 200 || r.body != "acme site\n" || !hasName(r.leaf.DNSNames, name) {
			t.Errorf("%s: %d %q from %q; want 200 from an ACME certificate for %s", proto, r.status, r.body, r.leaf.DNSNames, name)
		}
		if r := do(t, c, base, onDemand, "GET", "/", nil); r.status != http.StatusMisdirectedRequest {
			t.Errorf("%s: TLS to %s, Host %s: %d; want 421", proto, name, onDemand, r.status)
		}
		if got := ts.built.TLS.Expiries()[name]; !got.Equal(r.leaf.NotAfter) {
			t.Errorf("Expiries()[%s] = %v; want %v", name, got, r.leaf.NotAfter)
		}
		c, base = ts.clientTrusting(t, proto, onDemand, roots)
		r = do(t, c, base, onDemand, "GET", "/api/whoami", nil)
		if r.status != 200 || !strings.Contains(r.body, `"serverName":"`+onDemand+`"`) || !hasName(r.leaf.DNSNames, onDemand) {
			t.Errorf("%s: on demand: %d %q from %q; want the demo site from an ACME certificate for %s", proto, r.status, r.body, r.leaf.DNSNames, onDemand)
		}
	}
}

// TestRouterFromSites gives each host its certificate source: the local
// CA for local names and issuer = "local", ACME at start-up for public
// names, ACME on demand for on_demand hosts, files for cert and key.
func TestRouterFromSites(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "files.example")
	file := filepath.Join(dir, "trio.toml")
	writeTestFile(t, file, `
[acme]
email = "ops@example.com"

[[site]]
hosts = ["a.localhost", "127.0.0.1"]

[[site]]
hosts = ["example.com", "www.example.com"]

[[site]]
hosts = ["*.wild.example", "demand.example"]
tls   = { on_demand = true }

[[site]]
hosts = ["intranet.example"]
tls   = { issuer = "local" }

[[site]]
hosts = ["files.example"]
tls   = { cert = "cert.pem", key = "key.pem" }
`)
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Redirect {
		t.Error("Redirect = false; want true, as a site uses ACME")
	}
	r, err := c.router(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Local.Names); got != "[intranet.example]" {
		t.Errorf("Local.Names = %s; want [intranet.example]", got)
	}
	if r.ACME == nil {
		t.Fatal("no ACME")
	}
	if got := fmt.Sprint(r.ACME.Domains, r.ACME.OnDemand.Allow); got != "[example.com www.example.com] [*.wild.example demand.example]" {
		t.Errorf("ACME Domains, OnDemand.Allow = %s", got)
	}
	if !r.ACME.Agreed || r.ACME.Email != "ops@example.com" {
		t.Errorf("ACME = %+v; want Agreed and the email", r.ACME)
	}
	if len(r.Files) != 1 || r.Files[0].Certificate().Leaf.DNSNames[0] != "files.example" {
		t.Errorf("Files = %v; want files.example's", r.Files)
	}
}
