package config

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/observe"
)

// readFile returns a file's contents, failing the test if it cannot.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTwoSites serves the two-site file: each host gets its own
// site's bytes, with a certificate for its own name, over HTTP/1.1,
// HTTP/2 and HTTP/3; site b is a single-page app and site a is not.
func TestTwoSites(t *testing.T) {
	ts := serveConfig(t, "testdata/two-sites/trio.toml")
	sites := []struct{ host, index string }{
		{"a.localhost", readFile(t, "testdata/two-sites/site-a/index.html")},
		{"b.localhost", readFile(t, "testdata/two-sites/site-b/index.html")},
	}
	for _, proto := range protos {
		for _, s := range sites {
			c, base := ts.client(t, proto, s.host)
			r := do(t, c, base, s.host, "GET", "/", nil)
			if r.status != 200 || r.body != s.index || r.proto != wantProto[proto] {
				t.Errorf("%s %s: GET / = %d %s %q; want 200 %s %q", proto, s.host, r.status, r.proto, r.body, wantProto[proto], s.index)
			}
			if !hasName(r.leaf.DNSNames, s.host) {
				t.Errorf("%s %s: certificate names %q; want %s among them", proto, s.host, r.leaf.DNSNames, s.host)
			}
			r = do(t, c, base, s.host, "GET", "/some/client/route", nil)
			spa := s.host == "b.localhost"
			if spa && (r.status != 200 || r.body != s.index) || !spa && r.status != 404 {
				t.Errorf("%s %s: GET /some/client/route = %d %q; want the index only on the single-page app", proto, s.host, r.status, r.body)
			}
		}
	}
}

// TestTwoSitesCurl fetches each site with curl over HTTP/1.1 and HTTP/2,
// resolving the names to the test server and verifying the certificate
// against the local CA for each name.
func TestTwoSitesCurl(t *testing.T) {
	curl := testtool.Path(t, "curl")
	ts := serveConfig(t, "testdata/two-sites/trio.toml")
	tests := []struct {
		host, flag, route, version string
	}{
		{"a.localhost", "--http1.1", "--resolve", "1.1"},
		{"a.localhost", "--http2", "--connect-to", "2"},
		{"b.localhost", "--http1.1", "--connect-to", "1.1"},
		{"b.localhost", "--http2", "--resolve", "2"},
	}
	for _, tt := range tests {
		route := fmt.Sprintf("%s:%d:127.0.0.1", tt.host, ts.port)
		if tt.route == "--connect-to" {
			route = fmt.Sprintf("%s:%d:127.0.0.1:%d", tt.host, ts.port, ts.port)
		}
		url := fmt.Sprintf("https://%s:%d/", tt.host, ts.port)
		out, err := exec.Command(curl, "-sS", "--max-time", "10", "--cacert", ts.caFile, tt.flag, tt.route, route,
			"-w", "\n%{http_code} %{http_version}", url).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s %s %s: %v\n%s", tt.flag, tt.route, url, err, out)
		}
		site := "site-" + strings.TrimSuffix(tt.host, ".localhost")
		want := readFile(t, filepath.Join("testdata/two-sites", site, "index.html")) + "\n200 " + tt.version
		if string(out) != want {
			t.Errorf("curl %s %s %s = %q; want %q", tt.flag, tt.route, url, out, want)
		}
	}
}

// TestCleartext routes by Host on the cleartext listener too, over
// HTTP/1.1 and h2c, where there is no certificate to check.
func TestCleartext(t *testing.T) {
	ts := serveConfig(t, "testdata/two-sites/trio.toml")
	base := "http://" + ts.ls.Cleartext[0].Addr().String()
	for _, h2c := range []bool{false, true} {
		tr := &http.Transport{Protocols: new(http.Protocols)}
		tr.Protocols.SetHTTP1(!h2c)
		tr.Protocols.SetUnencryptedHTTP2(h2c)
		t.Cleanup(tr.CloseIdleConnections)
		c := &http.Client{Transport: tr}
		for _, site := range []string{"a", "b"} {
			req, _ := http.NewRequest("GET", base+"/", nil)
			req.Host = site + ".localhost"
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := readFile(t, "testdata/two-sites/site-"+site+"/index.html")
			if resp.StatusCode != 200 || string(body) != want {
				t.Errorf("h2c=%v: Host %s.localhost: %d %s %q; want 200 %q", h2c, site, resp.StatusCode, resp.Proto, body, want)
			}
		}
	}
}

// TestMisdirected answers 421 to a request whose authority the
// connection's certificate does not cover, on every protocol and engine,
// which also shows that each engine sets r.TLS.ServerName.
func TestMisdirected(t *testing.T) {
	for _, engine := range []string{"trio", "std"} {
		t.Run(engine, func(t *testing.T) {
			ts := listenTest(t)
			ts.srv.H2.Engine, ts.srv.H3.Engine = h2.Engine(engine), h3.Engine(engine)
			ts.serve(t, "testdata/two-sites/trio.toml")
			tests := []struct {
				host string
				want int
			}{
				{"other-domain.example", http.StatusMisdirectedRequest},
				{"b.localhost", http.StatusMisdirectedRequest}, // a site of this server, but not this certificate's
				{"A.LOCALHOST:443", http.StatusOK},             // the SNI's name, any case and port
				{"localhost", http.StatusNotFound},             // covered by every local leaf; no site, no default
			}
			for _, proto := range protos {
				c, base := ts.client(t, proto, "a.localhost")
				for _, tt := range tests {
					if r := do(t, c, base, tt.host, "GET", "/", nil); r.status != tt.want {
						t.Errorf("%s: TLS to a.localhost, Host %s: status %d; want %d", proto, tt.host, r.status, tt.want)
					}
				}
			}
		})
	}
}

// TestSiteLabel names each request's site for the access log and the
// metrics: the site's name, or "none" for a request no site takes.
func TestSiteLabel(t *testing.T) {
	m := observe.NewMetrics()
	ts := listenTest(t)
	ts.wrap = func(h http.Handler) http.Handler { return observe.Handler(h, nil, m) }
	ts.serve(t, "testdata/two-sites/trio.toml")
	for _, proto := range protos {
		for _, host := range []string{"a.localhost", "b.localhost", "unknown.localhost"} {
			c, base := ts.client(t, proto, host)
			do(t, c, base, host, "GET", "/", nil)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, site := range []string{"a.localhost", "b.localhost", "none"} {
		class := "2xx"
		if site == "none" {
			class = "4xx" // 404: no site, no default
		}
		for _, proto := range protos {
			want := fmt.Sprintf("\ntrio_http_requests_total{code=%q,protocol=%q,site=%q} 1\n", class, proto, site)
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("metrics lack %q:\n%s", strings.TrimSpace(want), grepLines(rec.Body.String(), "trio_http_requests_total"))
			}
		}
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
