package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/internal/pebble"
)

// freePort returns a TCP port that was free a moment ago, also on UDP.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// `trio serve --domain` gets a certificate from a real ACME server (Pebble)
// on its own listeners and serves the name over h1, h2 and h3.
func TestServeDomainACME(t *testing.T) {
	httpPort, tlsPort := freePort(t), freePort(t)
	pb := pebble.Start(t, pebble.Options{HTTPPort: httpPort, TLSPort: tlsPort})
	const name = "cli.trio-test.example"
	banner, _ := started(t, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", tlsPort),
		"--http", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--domain", name, "--acme-ca", pb.DirectoryURL, "--acme-ca-root", pb.APIRootFile, "--email", "ops@trio-test.example")
	t.Logf("banner:\n%s", banner)
	roots := pb.Root(t)
	tlsConf := func(protos ...string) *tls.Config {
		return &tls.Config{RootCAs: roots, ServerName: name, NextProtos: protos}
	}

	// The certificate arrives in the background; wait for a handshake that
	// verifies against Pebble's root.
	addr := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := tls.Dial("tcp", addr, tlsConf())
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no certificate for %s from Pebble after 30s: %v\n%s", name, err, pb.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	h1 := &http.Transport{TLSClientConfig: tlsConf("http/1.1")}
	h2 := &http.Transport{TLSClientConfig: tlsConf("h2"), ForceAttemptHTTP2: true}
	h3 := &http3.Transport{TLSClientConfig: tlsConf()}
	defer h1.CloseIdleConnections()
	defer h2.CloseIdleConnections()
	defer h3.Close()
	for want, rt := range map[string]http.RoundTripper{"HTTP/1.1": h1, "HTTP/2.0": h2, "HTTP/3.0": h3} {
		resp, err := (&http.Client{Transport: rt}).Get("https://" + addr + "/api/whoami")
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Proto != want {
			t.Errorf("proto = %s; want %s", resp.Proto, want)
		}
		if err := resp.TLS.PeerCertificates[0].VerifyHostname(name); err != nil {
			t.Errorf("%s: %v", want, err)
		}
		if _, err := resp.TLS.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool(resp.TLS.PeerCertificates[1:])}); err != nil {
			t.Errorf("%s: chain does not verify against Pebble's root: %v", want, err)
		}
	}
	// The cleartext listener redirects to https (ACME's challenge path aside).
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/x", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect {
		t.Errorf("cleartext status = %d; want 308 with --domain", resp.StatusCode)
	}
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
