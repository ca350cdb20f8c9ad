package config_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/ws"
)

// proxyBackend is a loopback HTTP/1.1 backend answering "NAME PATH", and
// WebSockets with "NAME" as the first message, then an echo.
func proxyBackend(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ws.IsHandshake(r) {
			fmt.Fprintf(w, "%s %s", name, r.URL.Path)
			return
		}
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.WriteMessage(ws.MessageText, []byte(name))
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// proxyFile writes trio.toml (and a site folder whose index.html says
// "files") into a new folder and points the local CA at another.
func proxyFile(t *testing.T, toml string) (file string, roots *x509.CertPool) {
	t.Helper()
	dir, data := t.TempDir(), t.TempDir()
	t.Setenv("TRIO_DATA_DIR", data)
	os.Mkdir(filepath.Join(dir, "site"), 0o755)
	os.WriteFile(filepath.Join(dir, "site", "index.html"), []byte("files"), 0o644)
	file = filepath.Join(dir, "trio.toml")
	if err := os.WriteFile(file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	roots, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	return file, roots
}

// clientFor is a client of r's TLS listener over proto, and its base URL.
func clientFor(t *testing.T, r *config.Runner, roots *x509.CertPool, proto string) (*http.Client, string) {
	t.Helper()
	tc := &tls.Config{RootCAs: roots}
	if proto == "h3" {
		tr := &http3.Transport{TLSClientConfig: tc}
		t.Cleanup(func() { tr.Close() })
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + r.Listeners().QUIC[0].LocalAddr().String()
	}
	tr := &http.Transport{TLSClientConfig: tc, Protocols: new(http.Protocols)}
	tr.Protocols.SetHTTP1(proto == "h1")
	tr.Protocols.SetHTTP2(proto == "h2")
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + r.Listeners().TLS[0].Addr().String()
}

func get(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return res.StatusCode, res.Header, string(b)
}

// TestProxyRoutes: over h1, h2 and h3, the longest proxy prefix takes a
// path, round robin over its upstreams; other paths are the site's files;
// header rules apply to proxied responses too.
func TestProxyRoutes(t *testing.T) {
	a, b, c := proxyBackend(t, "A"), proxyBackend(t, "B"), proxyBackend(t, "C")
	file, roots := proxyFile(t, fmt.Sprintf(`listen = "127.0.0.1:0"
http   = ""

[[site]]
hosts = ["127.0.0.1"]
root  = "site"

[[site.header]]
set = { X-Rule = "on" }

[[site.proxy]]
path = "/api/"
to   = [%q, %q]

[[site.proxy]]
path = "/api/v2"
to   = [%q]
`, a, b, c))
	r := startRunner(t, file)
	for _, proto := range []string{"h1", "h2", "h3"} {
		t.Run(proto, func(t *testing.T) {
			cl, base := clientFor(t, r, roots, proto)
			seen := map[string]int{}
			for range 4 {
				code, h, body := get(t, cl, base+"/api/x")
				if code != 200 || h.Get("X-Rule") != "on" {
					t.Fatalf("/api/x: %d, X-Rule %q; want 200 with the header rule's X-Rule", code, h.Get("X-Rule"))
				}
				seen[body]++
			}
			if seen["A /api/x"] != 2 || seen["B /api/x"] != 2 {
				t.Errorf("/api/x four times: %v; want A and B twice each", seen)
			}
			for path, want := range map[string]string{
				"/api/v2":     "C /api/v2",
				"/api/v2/y":   "C /api/v2/y",
				"/index.html": "files",
			} {
				if _, _, body := get(t, cl, base+path); body != want {
					t.Errorf("%s: %q; want %q", path, body, want)
				}
			}
			if _, _, body := get(t, cl, base+"/api/v2x"); body != "A /api/v2x" && body != "B /api/v2x" {
				t.Errorf("/api/v2x: %q; want /api/'s A or B (a prefix without / ends at a segment)", body)
			}
		})
	}
}

// TestProxyReload: a reload keeps a route's pool: a WebSocket to a kept
// upstream goes on, one to a removed upstream gets 1012 after drain_grace
// and reconnects to the kept one. /upstreams shows the removed upstream
// draining, then gone; the trio_upstream_* metrics are registered once
// across reloads. A reload that removes the route drains it all.
func TestProxyReload(t *testing.T) {
	a, b := proxyBackend(t, "A"), proxyBackend(t, "B")
	conf := func(to ...string) string {
		s := `listen = "127.0.0.1:0"
http   = ""
admin  = "127.0.0.1:0"

[[site]]
hosts = ["127.0.0.1"]
root  = "site"
`
		if len(to) > 0 {
			q := make([]string, len(to))
			for i, u := range to {
				q[i] = fmt.Sprintf("%q", u)
			}
			s += fmt.Sprintf("\n[[site.proxy]]\npath = \"/chat\"\nto = [%s]\nlb = \"hash\"\nhash_key = \"query:room\"\ndrain_grace = \"500ms\"\n", strings.Join(q, ", "))
		}
		return s
	}
	file, roots := proxyFile(t, conf(a, b))
	r := startRunner(t, file)
	addr := r.Listeners().TLS[0].Addr().String()
	admin := "http://" + r.AdminAddr().String()
	dial := func(room string) (*ws.Conn, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := ws.Dial(ctx, "wss://"+addr+"/chat?room="+room, &ws.DialOptions{HTTP: "h2", TLSClientConfig: &tls.Config{RootCAs: roots}})
		if err != nil {
			t.Fatalf("room %s: %v", room, err)
		}
		t.Cleanup(func() { c.CloseNow() })
		_, name, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("room %s: %v", room, err)
		}
		return c, string(name)
	}
	byName := map[string]*ws.Conn{}
	rooms := map[string]string{}
	for i := 0; byName["A"] == nil || byName["B"] == nil; i++ {
		if i == 40 {
			t.Fatal("40 rooms did not reach both backends")
		}
		room := fmt.Sprint("room", i)
		c, name := dial(room)
		if byName[name] != nil {
			c.Close(ws.StatusNormalClosure, "")
			continue
		}
		byName[name], rooms[name] = c, room
	}

	// The relays of the duplicates closed above end a moment after their
	// clients' close handshakes: wait until each upstream holds only its one.
	settled := func() bool {
		ups := upstreams(t, admin)
		return len(ups) == 2 && ups[0].WebSockets == 1 && ups[1].WebSockets == 1
	}
	for wait := time.Now().Add(5 * time.Second); !settled() && time.Now().Before(wait); {
		time.Sleep(10 * time.Millisecond)
	}

	os.WriteFile(file, []byte(conf(a)), 0o644)
	start := time.Now()
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	ups := upstreams(t, admin)
	if len(ups) != 2 || ups[0].Upstream != a || ups[0].State != "healthy" || ups[1].Upstream != b || ups[1].State != "draining" || ups[1].WebSockets != 1 {
		t.Errorf("/upstreams after the reload = %+v; want A healthy, then B draining with its WebSocket", ups)
	}
	_, _, err := byName["B"].ReadMessage()
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusServiceRestart {
		t.Fatalf("WebSocket on the removed B: %v; want 1012", err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("B's WebSocket closed %v after the reload; want after drain_grace, 500ms", d)
	}
	if _, name := dial(rooms["B"]); name != "A" {
		t.Errorf("room %s reconnected to %s; want A", rooms["B"], name)
	}
	byName["A"].WriteMessage(ws.MessageText, []byte("still"))
	if _, msg, err := byName["A"].ReadMessage(); err != nil || string(msg) != "still" {
		t.Errorf("the WebSocket on the kept A after the reload: %q, %v; want the echo", msg, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(upstreams(t, admin)) != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if ups := upstreams(t, admin); len(ups) != 1 || ups[0].Upstream != a || ups[0].WebSockets != 2 || ups[0].Route != "127.0.0.1/chat" {
		t.Errorf("/upstreams once B drained = %+v; want only A on route 127.0.0.1/chat with 2 WebSockets", ups)
	}
	if err := r.Reload(); err != nil { // the same file again: the metrics stay registered once
		t.Fatal(err)
	}
	_, _, metrics := get(t, http.DefaultClient, admin+"/metrics")
	want := fmt.Sprintf(`trio_upstream_websockets_open{route="127.0.0.1/chat",upstream=%q} 2`, a)
	if strings.Count(metrics, want+"\n") != 1 || !strings.Contains(metrics, "trio_upstream_websockets_drained_total") {
		t.Errorf("/metrics lacks %s once, or the drained counter:\n%s", want, grepLines(metrics, "trio_upstream"))
	}

	// The route goes: its WebSockets drain too, and the path is the site's.
	os.WriteFile(file, []byte(conf()), 0o644)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := byName["A"].ReadMessage(); !errors.As(err, &ce) || ce.Code != ws.StatusServiceRestart {
		t.Errorf("WebSocket of a removed route: %v; want 1012", err)
	}
}

func upstreams(t *testing.T, admin string) []struct {
	Route, Upstream, State string
	Requests, WebSockets   int
} {
	t.Helper()
	_, h, body := get(t, http.DefaultClient, admin+"/upstreams")
	var ups []struct {
		Route, Upstream, State string
		Requests, WebSockets   int
	}
	if err := json.Unmarshal([]byte(body), &ups); err != nil || h.Get("Content-Type") != "application/json" {
		t.Fatalf("/upstreams: %v, Content-Type %q:\n%s", err, h.Get("Content-Type"), body)
	}
	return ups
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestProxyHealthFromConfig: a route's health table checks its upstreams:
// the one whose /healthz fails is down on /upstreams and gets no request.
func TestProxyHealthFromConfig(t *testing.T) {
	a := proxyBackend(t, "A")
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "sick")
	}))
	t.Cleanup(sick.Close)
	file, roots := proxyFile(t, fmt.Sprintf(`listen = "127.0.0.1:0"
http   = ""
admin  = "127.0.0.1:0"

[[site]]
hosts = ["127.0.0.1"]

[[site.proxy]]
path   = "/"
to     = [%q, %q]
health = { path = "/healthz", interval = "50ms", status = 200 }
`, a, sick.URL))
	r := startRunner(t, file)
	admin := "http://" + r.AdminAddr().String()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ups := upstreams(t, admin)
		if len(ups) == 2 && ups[0].State == "healthy" && ups[1].State == "down" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/upstreams = %+v; want %s healthy and %s down", ups, a, sick.URL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cl, base := clientFor(t, r, roots, "h2")
	for range 10 {
		if _, _, body := get(t, cl, base+"/x"); body != "A /x" {
			t.Fatalf("with B down, GET /x = %q; want A's", body)
		}
	}
}
