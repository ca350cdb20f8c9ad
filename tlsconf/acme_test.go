package tlsconf_test

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
)

// TestACMEChallenges obtains a certificate from Pebble by each challenge,
// through trio's own listeners, and serves it over HTTP/1.1, HTTP/2 and
// HTTP/3 to clients verifying it against Pebble's root.
func TestACMEChallenges(t *testing.T) {
	tests := []struct {
		challenge string
		cleartext bool // http-01 needs the cleartext listener; tls-alpn-01 runs without one
	}{
		{"http-01", true},
		{"tls-alpn-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.challenge, func(t *testing.T) {
			t.Parallel()
			s := listen(t, tt.cleartext)
			pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort(), TLSPort: s.tlsPort()})
			a := newACME(t, pb, s, "")
			name := tt.challenge + ".trio-test.example" // certmagic keeps challenges per name, process-wide
			a.Domains = []string{name}
			a.DisableTLSALPNChallenge = tt.cleartext
			var log *testtool.Buffer
			a.Logger, log = testLogger(t)
			s.serve(t, a)
			start := time.Now()
			waitACME(t, a)
			t.Logf("obtained by %s in %v", tt.challenge, time.Since(start).Round(time.Millisecond))
			// The challenge was answered by trio's listener, not by a
			// listener of certmagic's own.
			for _, want := range []string{"challenge_type=" + tt.challenge, "served key authentication"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log lacks %q", want)
				}
			}
			if tt.cleartext {
				checkRedirect(t, s, name)
			}
			roots := pb.Root(t)
			for _, proto := range protos {
				c, url := newClient(t, s, proto, name, roots)
				leaf, err := get(c, url, proto)
				if err != nil {
					t.Fatalf("%s: %v", proto, err)
				}
				if err := leaf.VerifyHostname(name); err != nil {
					t.Errorf("%s: %v", proto, err)
				}
			}
		})
	}
}

// TestRouterServesEverySource serves, from one Router on one trio server,
// an ACME name, a name from certificate files and a local name, each over
// HTTP/1.1, HTTP/2 and HTTP/3 with its own chain.
func TestRouterServesEverySource(t *testing.T) {
	t.Parallel()
	const acmeName, fileName = "router.trio-test.example", "files.example"
	s := listen(t, true)
	pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort(), TLSPort: s.tlsPort()})
	a := newACME(t, pb, s, "")
	a.Domains = []string{acmeName}

	dir := t.TempDir()
	certPEM, keyPEM, fileLeaf := newPair(t, fileName, 7)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replaceFile(t, certFile, certPEM)
	replaceFile(t, keyFile, keyPEM)
	files, err := tlsconf.Files(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	local := &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	router := &tlsconf.Router{ACME: a, Files: []*tlsconf.FileSource{files}, Local: local}
	s.serve(t, router)
	waitACME(t, a)

	fileRoots := x509.NewCertPool()
	fileRoots.AddCert(fileLeaf)
	localRoots, err := local.RootPool()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		roots *x509.CertPool
	}{
		{acmeName, pb.Root(t)},
		{fileName, fileRoots},
		{"localhost", localRoots},
	}
	served := map[string]time.Time{}
	for _, tt := range tests {
		for _, proto := range protos {
			c, url := newClient(t, s, proto, tt.name, tt.roots)
			leaf, err := get(c, url, proto)
			if err != nil {
				t.Errorf("%s over %s: %v", tt.name, proto, err)
				continue
			}
			served[tt.name] = leaf.NotAfter
		}
	}
	// Expiries reports what each source served, ACME's from certmagic's cache.
	exp := router.Expiries()
	for name, want := range served {
		if got := exp[name]; !got.Equal(want) {
			t.Errorf("Expiries()[%q] = %v; want %v, the served leaf's NotAfter", name, got, want)
		}
	}
}

// checkRedirect checks that the cleartext listener, which answered the
// http-01 challenge, redirects other requests to https.
func checkRedirect(t *testing.T, s *site, name string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+s.ls.Cleartext[0].Addr().String()+"/page", nil)
	req.Host = name
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := fmt.Sprintf("https://%s:%d/page", name, s.tlsPort())
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusPermanentRedirect || loc != want {
		t.Errorf("cleartext GET /page = %d %q; want 308 %q", resp.StatusCode, loc, want)
	}
}
