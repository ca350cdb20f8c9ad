// Package pebble runs Let's Encrypt's Pebble test ACME server, with
// pebble-challtestsrv as its DNS server, as subprocesses on loopback for
// tests of ACME clients. Every name resolves to 127.0.0.1, and Pebble
// validates challenges on the ports the test names.
//
// Both are tool directives in trio's go.mod (v2.10.1): `go tool` builds
// them once into the build cache, so the tests need nothing installed by
// hand. When they cannot be built (no module proxy and no module cache)
// tests are skipped, or fail if the environment has CI=true.
package pebble

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
)

// Options configure a Pebble instance. The zero value validates http-01 on
// port 5002 and tls-alpn-01 on 5001 and issues 90-day certificates.
type Options struct {
	// HTTPPort is where Pebble sends http-01 validation requests.
	// If zero, 5002.
	HTTPPort int
	// TLSPort is where Pebble makes tls-alpn-01 validation handshakes.
	// If zero, 5001.
	TLSPort int
	// Validity is the lifetime of issued certificates, in whole seconds.
	// If zero, 90 days.
	Validity time.Duration
}

// A Server is a running Pebble.
type Server struct {
	// DirectoryURL is the ACME directory, https://127.0.0.1:PORT/dir.
	DirectoryURL string
	// APIRootFile is a PEM file holding the root that signed the
	// certificate of Pebble's API (DirectoryURL), not the issuing root.
	APIRootFile string

	mgmt   string // management base URL
	client *http.Client
	log    *testtool.Buffer
}

// Start runs Pebble and its DNS server until the test ends. Start takes
// about half a second.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	pebbleBin, dnsBin := testtool.Path(t, "pebble"), testtool.Path(t, "pebble-challtestsrv")
	dir := t.TempDir()
	rootPEM, certPEM, keyPEM := apiCert(t)
	s := &Server{APIRootFile: filepath.Join(dir, "api-root.pem"), log: new(testtool.Buffer)}
	writeFile(t, s.APIRootFile, rootPEM)
	writeFile(t, filepath.Join(dir, "cert.pem"), certPEM)
	writeFile(t, filepath.Join(dir, "key.pem"), keyPEM)

	dnsAddr, dnsMgmt := freeUDPAddr(t), freeTCPAddr(t)
	run(t, dir, io.Discard, nil, dnsBin,
		"-dnsserver", dnsAddr, "-management", dnsMgmt, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "")

	api, mgmt := freeTCPAddr(t), freeTCPAddr(t)
	writeFile(t, filepath.Join(dir, "config.json"), config(opts, api, mgmt))
	env := []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0", "PEBBLE_WFE_NONCEREJECT=0"}
	run(t, dir, s.log, env, pebbleBin, "-config", "config.json", "-dnsserver", dnsAddr)

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(rootPEM)
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(s.client.CloseIdleConnections)
	s.DirectoryURL = "https://" + api + "/dir"
	s.mgmt = "https://" + mgmt
	waitHTTP(t, s.client, s.DirectoryURL, s.log)
	// The management interface starts on its own goroutine, after the API.
	waitHTTP(t, s.client, s.mgmt+"/roots/0", s.log)
	waitHTTP(t, &http.Client{Timeout: time.Second}, "http://"+dnsMgmt+"/", nil)
	return s
}

// config returns Pebble's configuration file.
func config(opts Options, api, mgmt string) []byte {
	httpPort, tlsPort := cmp(opts.HTTPPort, 5002), cmp(opts.TLSPort, 5001)
	validity := cmp(int(opts.Validity/time.Second), 90*24*3600)
	c := map[string]any{"pebble": map[string]any{
		"listenAddress":                  api,
		"managementListenAddress":        mgmt,
		"certificate":                    "cert.pem",
		"privateKey":                     "key.pem",
		"httpPort":                       httpPort,
		"tlsPort":                        tlsPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
		"domainBlocklist":                []string{"blocked-domain.example"},
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{"default": map[string]any{
			"description": "test", "validityPeriod": validity,
		}},
	}}
	b, _ := json.MarshalIndent(c, "", "  ")
	return b
}

// cmp returns v, or def if v is zero.
func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Root returns a pool holding Pebble's issuing root, which changes with
// every run, as served by the management interface at /roots/0.
func (s *Server) Root(t testing.TB) *x509.CertPool {
	t.Helper()
	resp, err := s.client.Get(s.mgmt + "/roots/0")
	if err != nil {
		t.Fatalf("pebble: fetching root: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("pebble: fetching root: status %d, %v", resp.StatusCode, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(body) {
		t.Fatalf("pebble: /roots/0 is not PEM: %q", body)
	}
	return pool
}

// Orders reports how many orders Pebble has accepted so far.
func (s *Server) Orders() int { return strings.Count(s.log.String(), "Added order ") }

// Issued reports how many certificates Pebble has issued so far.
func (s *Server) Issued() int { return strings.Count(s.log.String(), "Issued certificate serial ") }

// Log returns Pebble's output so far.
func (s *Server) Log() string { return s.log.String() }

// run starts a program in dir, killed when the test ends.
func run(t testing.TB, dir string, out io.Writer, env []string, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("pebble: starting %s: %v", filepath.Base(bin), err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// waitHTTP polls url until it answers, for at most 10 seconds.
func waitHTTP(t testing.TB, c *http.Client, url string, log *testtool.Buffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			if log != nil {
				t.Logf("pebble output:\n%s", log)
			}
			t.Fatalf("pebble: %s not ready: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeTCPAddr returns a loopback address with a TCP port that was free.
func freeTCPAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// freeUDPAddr returns a loopback address whose port was free on UDP and
// TCP (the DNS server binds both).
func freeUDPAddr(t testing.TB) string {
	t.Helper()
	for range 20 {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := c.LocalAddr().String()
		c.Close()
		if l, err := net.Listen("tcp4", addr); err == nil {
			l.Close()
			return addr
		}
	}
	t.Fatal("pebble: no free port for DNS")
	return ""
}

func writeFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
