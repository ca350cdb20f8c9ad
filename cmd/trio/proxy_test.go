package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
)

// nameServer is a loopback backend answering its name and the path.
func nameServer(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestProxyUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "--to: give at least one upstream URL"},
		{[]string{"proxy", "--to", ","}, "--to: give at least one upstream URL"},
		{[]string{"proxy", "--to", "ftp://x"}, `upstream "ftp://x": scheme "ftp" is not http, h2c, https or h3`},
		{[]string{"proxy", "--to", "http://a,http://a"}, `upstream "http://a" listed twice`},
		{[]string{"proxy", "--to", "http://a", "--lb", "fastest"}, `policy "fastest" is not round_robin`},
		{[]string{"proxy", "--to", "http://a", "--lb", "hash", "--hash-key", "body"}, `hash key "body" is not`},
		{[]string{"proxy", "--to", "http://a", "--hash-key", "ip"}, `hash key "ip" needs policy hash`},
		{[]string{"proxy", "--to", "http://a", "--health-path", "healthz"}, `--health-path "healthz": want a path starting with /`},
		{[]string{"proxy", "--to", "http://a", "--listen", "nowhere"}, `--listen "nowhere": want host:port`},
		{[]string{"proxy", "--to", "https://a", "--ca-file", "ca.pem", "--insecure-skip-verify"}, "contradict each other"},
		{[]string{"proxy", "--to", "http://a", "http://b"}, "proxy takes no arguments"},
		{[]string{"proxy", "--to", "http://a", "--cert", "c.pem"}, "--cert and --key go together"},
		{[]string{"proxy", "--to", "http://a", "--cert", "missing.pem", "--key", "missing.key"}, "missing.pem"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tt.args, &out, &errOut); code != exitUsage {
			t.Errorf("trio %v: exit = %d; want %d", tt.args, code, exitUsage)
		}
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if !strings.HasPrefix(lines[0], "trio: proxy: ") || !strings.Contains(lines[0], tt.want) || len(lines) != 2 {
			t.Errorf("trio %v: stderr = %q; want \"trio: proxy: ...%s...\" and a hint", tt.args, errOut.String(), tt.want)
		}
	}
}

// TestProxyCommand: trio proxy serves both upstreams over h1, h2, h3 and
// h2c; with --lb hash on a header, one client stays on one upstream.
func TestProxyCommand(t *testing.T) {
	a, b := nameServer(t, "A"), nameServer(t, "B")
	banner, pool := started(t, "proxy", "--to", a+","+b, "--lb", "hash", "--hash-key", "header:X-User",
		"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--health-path", "/", "--health-interval", "50ms")
	for _, want := range []string{"Proxying to " + a + ", " + b + " (hash on header:X-User)", "HTTP/3", "h2c", "trio trust"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	secure, text := urls(t, banner)
	for proto, body := range getAll(t, secure, text, "/p", pool) {
		if body != "A /p" && body != "B /p" {
			t.Errorf("%s: %q; want A or B's answer", proto, body)
		}
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	for _, user := range []string{"ann", "bob", "cy", "dee"} {
		seen := map[string]int{}
		for range 50 {
			req, _ := http.NewRequest("GET", secure+"/sticky", nil)
			req.Header.Set("X-User", user)
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			seen[string(body)]++
		}
		if len(seen) != 1 {
			t.Errorf("user %s's 50 requests reached %v; want one upstream", user, seen)
		}
	}
}

// TestProxyBinary runs the built binary: it proxies, and exits 0 on SIGINT.
func TestProxyBinary(t *testing.T) {
	bin := buildTrio(t)
	backend := nameServer(t, "backend")
	data := t.TempDir()
	cmd := exec.Command(bin, "proxy", "--to", backend, "--listen", "127.0.0.1:0", "--http", "")
	cmd.Env = append(os.Environ(), "TRIO_DATA_DIR="+data)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var url string
	sc := bufio.NewScanner(stdout)
	for url == "" && sc.Scan() {
		if m := urlRE.FindString(sc.Text()); strings.HasPrefix(m, "https://127.0.0.1") {
			url = m
		}
	}
	if url == "" {
		t.Fatalf("no https URL in the banner; stderr:\n%s", stderr.String())
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url + "/through")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "backend /through" || res.ProtoMajor != 2 {
		t.Errorf("GET through the binary: %s %q; want HTTP/2 and \"backend /through\"", res.Proto, body)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("trio proxy exited with %v after SIGINT; want 0 (stderr %s)", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Error("trio proxy did not exit within 15s of SIGINT")
	}
}

// TestProxyCertFiles: with --cert and --key, trio proxy serves that
// certificate for the names it covers, over TCP and QUIC alike.
func TestProxyCertFiles(t *testing.T) {
	certFile, keyFile, leaf := selfSigned(t, "localhost")
	a := nameServer(t, "A")
	banner, _ := started(t, "proxy", "--to", a, "--cert", certFile, "--key", keyFile,
		"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0")
	if !strings.Contains(banner, certFile) {
		t.Errorf("banner does not name %s:\n%s", certFile, banner)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	secure, text := urls(t, banner)
	for proto, body := range getAll(t, secure, text, "/c", pool) { // verifies the chain against leaf alone
		if body != "A /c" {
			t.Errorf("%s: %q; want A's answer", proto, body)
		}
	}
}

// selfSigned writes a self-signed certificate for name (and 127.0.0.1) and
// its key as PEM files in a temporary folder.
func selfSigned(t *testing.T, name string) (certFile, keyFile string, leaf *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if leaf, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile, leaf
}
