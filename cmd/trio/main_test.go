package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit = %d; want 0 (stderr %q)", code, errOut.String())
	}
	if !regexp.MustCompile(`^trio \S+ \(go1\.\d+.*quic-go v`).MatchString(out.String()) {
		t.Errorf("version = %q; want trio, Go and quic-go versions", out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	tests := []struct {
		args []string
		want string // in the first line on stderr
	}{
		{[]string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--listen"}, "flag needs an argument: -listen"},
		{[]string{"serve", "--listen", "nonsense"}, `--listen "nonsense": want host:port`},
		{[]string{"serve", "--listen", "127.0.0.1:http2"}, `--listen "127.0.0.1:http2"`},
		{[]string{"serve", "--http", "localhost"}, `--http "localhost": want host:port`},
		{[]string{"serve", dir, dir}, "at most one directory"},
		{[]string{"serve", filepath.Join(dir, "missing")}, "no such file or directory"},
		{[]string{"serve", file}, "is not a directory"},
		{[]string{"serve", "--cert", file}, "--cert and --key go together"},
		{[]string{"serve", "--cert", filepath.Join(dir, "c.pem"), "--key", filepath.Join(dir, "k.pem")}, "c.pem"},
		{[]string{"trust", "x"}, "trust takes no arguments"},
		{[]string{"serve", "--h1-engine", "fast"}, `--h1-engine must be "trio" or "std", not "fast"`},
		{[]string{"serve", "--h2-engine", "fast"}, `--h2-engine must be "trio" or "std", not "fast"`},
		{[]string{"serve", "--h3-engine", "fast"}, `--h3-engine must be "trio" or "std", not "fast"`},
		{[]string{"load", "--bogus"}, "load: flag provided but not defined: -bogus"},
		{[]string{"check", "--bogus"}, "check: flag provided but not defined: -bogus"},
		{[]string{"check"}, "check: want one URL, got 0 arguments"},
		{[]string{"sevre"}, `unknown command "sevre"; did you mean serve?`},
		{[]string{"relaod"}, `unknown command "relaod"; did you mean reload?`},
		{[]string{"xyzzy"}, `unknown command "xyzzy", and no directory of that name`},
		{[]string{"serve", "--config", "trio.toml", "--listen", ":1"}, "--listen: set listen in trio.toml instead"},
		{[]string{"serve", "--config", "/etc/trio/trio.toml", "--no-h3"}, "--no-h3: set h3 = false in trio.toml instead"},
		{[]string{"serve", "--config", "trio.toml", "--spa"}, "--spa: set spa in a [[site]] in trio.toml instead"},
		{[]string{"serve", "--config", "trio.toml", dir}, "set root in a [[site]] of trio.toml instead"},
		{[]string{"reload"}, "give one of --admin, --pid-file or --config"},
		{[]string{"reload", "--admin", "a:1", "--pid-file", "p"}, "give one of --admin, --pid-file or --config"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != exitUsage {
			t.Errorf("trio %v: exit = %d; want %d", tt.args, code, exitUsage)
		}
		// One line naming the problem, with one "trio: " prefix, and at
		// most a one-line hint: never the whole usage.
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if first := lines[0]; !strings.HasPrefix(first, "trio: ") || !strings.Contains(first, tt.want) {
			t.Errorf("trio %v: first stderr line = %q; want \"trio: ...%s...\"", tt.args, first, tt.want)
		}
		if len(lines) > 2 || strings.Contains(errOut.String(), "Usage:") || strings.Contains(errOut.String(), "trio: trio:") {
			t.Errorf("trio %v: stderr = %q; want one error line and at most a hint", tt.args, errOut.String())
		}
		if len(lines) == 2 && !strings.HasPrefix(lines[1], "Run 'trio ") {
			t.Errorf("trio %v: second stderr line = %q; want a hint \"Run 'trio ...\"", tt.args, lines[1])
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// -h prints the usage, once, and exits 0.
func TestHelpFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "-h"}, &out, &errOut); code != exitOK {
		t.Errorf("serve -h: exit = %d; want 0", code)
	}
	if n := strings.Count(errOut.String(), "Usage: trio serve"); n != 1 || !strings.Contains(errOut.String(), "-config file") {
		t.Errorf("serve -h printed the usage %d times, with --config: %q", n, errOut.String())
	}
}

// A lone word that names a directory is served, not taken for a command.
func TestDirectoryNamedLikeACommand(t *testing.T) {
	t.Chdir(t.TempDir())
	os.Mkdir("public", 0o755)
	var out, errOut bytes.Buffer
	// The bad --listen stops it after the directory was accepted.
	code := run(context.Background(), []string{"public", "--listen", "nonsense"}, &out, &errOut)
	if code != exitUsage || !strings.Contains(errOut.String(), `--listen "nonsense"`) {
		t.Errorf("trio public --listen nonsense: exit %d, stderr %q; want 2 and the --listen error", code, errOut.String())
	}
	code = run(context.Background(), []string{"public", "--listen", "nonsense"}, &out, &errOut)
	if strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("the directory public was taken for a command: %q", errOut.String())
	}
}

// The root package's errors start with "trio:" too; the line has one.
func TestOnePrefix(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", l.Addr().String(), "--http", ""}, &out, &errOut)
	if code != exitError || strings.Contains(errOut.String(), "trio: trio:") || !strings.HasPrefix(errOut.String(), "trio: serve: ") {
		t.Errorf("exit %d, stderr %q; want 1 and one \"trio: \" prefix", code, errOut.String())
	}
}

// started runs trio with args until the test ends and returns its banner.
func started(t *testing.T, args ...string) (banner string, pool *x509.CertPool) {
	t.Helper()
	data := t.TempDir()
	t.Setenv("TRIO_DATA_DIR", data)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testtool.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &out, &errOut) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("exit = %d after SIGINT; want 0 (stderr %q)", code, errOut.String())
			}
			if !strings.Contains(out.String(), "shutting down") {
				t.Errorf("stdout after SIGINT = %q; want a shutting-down line", out.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("trio did not stop within 15s of SIGINT")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case code := <-done:
			t.Fatalf("trio exited with %d before serving: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 10s; stdout %q stderr %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	ca := &tlsconf.LocalCA{Dir: data}
	pool, err := ca.RootPool()
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), pool
}

var urlRE = regexp.MustCompile(`(https?)://(\S+)`)

// urls returns the https and http URLs of the banner.
func urls(t *testing.T, banner string) (secure, text string) {
	for _, m := range urlRE.FindAllStringSubmatch(banner, -1) {
		if m[1] == "https" && secure == "" && !strings.Contains(m[2], "localhost") {
			secure = m[0]
		}
		if m[1] == "http" && text == "" {
			text = m[0]
		}
	}
	if secure == "" || text == "" {
		t.Fatalf("banner lacks URLs:\n%s", banner)
	}
	return secure, text
}

// getAll fetches path from the banner's URLs over h1, h2, h3 and h2c and
// returns the bodies by protocol.
func getAll(t *testing.T, secure, text, path string, pool *x509.CertPool) map[string]string {
	t.Helper()
	tlsConf := func(protos ...string) *tls.Config {
		return &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: protos}
	}
	h1 := &http.Transport{TLSClientConfig: tlsConf("http/1.1")}
	h2 := &http.Transport{TLSClientConfig: tlsConf("h2"), ForceAttemptHTTP2: true}
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	h3 := &http3.Transport{TLSClientConfig: tlsConf()}
	defer h3.Close()
	bodies := map[string]string{}
	for proto, c := range map[string]struct {
		rt  http.RoundTripper
		url string
	}{"HTTP/1.1": {h1, secure}, "HTTP/2.0": {h2, secure}, "HTTP/3.0": {h3, secure}, "h2c": {h2c, text}} {
		resp, err := (&http.Client{Transport: c.rt}).Get(c.url + path)
		if err != nil {
			t.Fatalf("%s GET %s: %v", proto, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s GET %s: status %d", proto, path, resp.StatusCode)
		}
		if p := resp.Proto; proto != "h2c" && p != proto {
			t.Errorf("GET %s came over %s; want %s", path, p, proto)
		}
		bodies[proto] = string(b)
	}
	for _, tr := range []*http.Transport{h1, h2, h2c} {
		tr.CloseIdleConnections()
	}
	return bodies
}

func TestServeDemo(t *testing.T) {
	banner, pool := started(t, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0")
	for _, want := range []string{"Serving the demo site", "HTTP/3", "h2c", "trio trust", "--origin-to-force-quic-on=localhost:"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	secure, text := urls(t, banner)
	for proto, body := range getAll(t, secure, text, "/api/whoami", pool) {
		want := `"proto":"` + proto + `"`
		if proto == "h2c" {
			want = `"proto":"HTTP/2.0"`
		}
		if !strings.Contains(body, want) {
			t.Errorf("%s whoami = %s; want %s", proto, body, want)
		}
	}
}

func TestServeDir(t *testing.T) {
	for _, engine := range []string{"trio", "std"} {
		t.Run(engine, func(t *testing.T) { testServeDir(t, engine) })
	}
}

func testServeDir(t *testing.T, engine string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>mine</h1>"), 0o644)
	banner, pool := started(t, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--h1-engine", engine, "--h2-engine", engine, "--h3-engine", engine, dir)
	secure, text := urls(t, banner)
	for proto, body := range getAll(t, secure, text, "/", pool) {
		if body != "<h1>mine</h1>" {
			t.Errorf("%s GET / = %q; want the directory's index.html", proto, body)
		}
	}
}

func TestServePortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", l.Addr().String(), "--http", ""}, &out, &errOut)
	if code != exitError || !strings.Contains(lastLine(errOut.String()), "address already in use") {
		t.Errorf("exit %d, stderr %q; want 1 and 'address already in use'", code, errOut.String())
	}
}

func TestTrustUntrust(t *testing.T) {
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	store := t.TempDir()
	saved := tlsconf.DefaultTrustStore
	tlsconf.DefaultTrustStore = &tlsconf.TrustStore{Dir: store, Update: []string{"true"}}
	defer func() { tlsconf.DefaultTrustStore = saved }()

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"trust"}, &out, &errOut); code != exitOK {
		t.Fatalf("trust: exit %d, stderr %q", code, errOut.String())
	}
	if files, _ := filepath.Glob(filepath.Join(store, "*.crt")); len(files) != 1 {
		t.Errorf("after trust the store holds %v; want one .crt", files)
	}
	if !strings.Contains(out.String(), "certutil") {
		t.Errorf("trust output lacks browser instructions:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"untrust"}, &out, &errOut); code != exitOK {
		t.Fatalf("untrust: exit %d, stderr %q", code, errOut.String())
	}
	if files, _ := filepath.Glob(filepath.Join(store, "*.crt")); len(files) != 0 {
		t.Errorf("after untrust the store holds %v; want none", files)
	}
}
