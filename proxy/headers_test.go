package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/triohttp/trio/triotest"
)

// headerEcho answers with the request's header as JSON, its proto in
// X-Got-Proto and Host in X-Got-Host, and a hop-by-hop field of its own.
var headerEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Got-Proto", r.Proto)
	w.Header().Set("X-Got-Host", r.Host)
	w.Header().Set("X-Got-Length", fmt.Sprint(r.ContentLength, r.TransferEncoding))
	w.Header().Set("Connection", "X-Private")
	w.Header().Set("X-Private", "hop")
	w.Header().Set("Keep-Alive", "timeout=5")
	w.Header().Set("Alt-Svc", `h3=":1"`)
	json.NewEncoder(w).Encode(r.Header)
})

func TestHeaders(t *testing.T) { triotest.Run(t, testHeaders) }

func testHeaders(t *testing.T, m triotest.Mode) {
	up, _ := upstreamH1(t, headerEcho)
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	req := newRequest(t, "GET", ts.URL+"/a/b?c=d", nil)
	if m.Base() == triotest.H1 { // HTTP/2 and HTTP/3 clients refuse connection-specific fields
		req.Header.Set("Connection", "X-Hop")
		req.Header.Set("X-Hop", "1")
		req.Header.Set("Keep-Alive", "timeout=5")
		req.Header.Set("Proxy-Connection", "keep-alive")
		req.Header.Set("Te", "trailers, deflate")
	}
	req.Header.Set("Proxy-Authorization", "Basic eDp5")
	req.Header.Set("X-End", "kept")
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("Forwarded", "for=6.6.6.6")
	res := do(t, ts, req)
	var got http.Header
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(ts.URL, "https://"), "http://")
	proto, via := "https", map[triotest.Mode]string{triotest.H1: "1.1 trio", triotest.H3: "3 trio"}[m.Base()]
	if via == "" {
		via = "2 trio"
	}
	if !m.TLS() {
		proto = "http"
	}
	for _, k := range []string{"Connection", "X-Hop", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection"} {
		if v, ok := got[k]; ok {
			t.Errorf("upstream got hop-by-hop %s: %q", k, v)
		}
	}
	want := map[string]string{
		"X-End":             "kept",
		"Te":                "trailers",
		"Via":               via,
		"X-Forwarded-For":   "127.0.0.1",
		"X-Forwarded-Proto": proto,
		"X-Forwarded-Host":  host,
		"Forwarded":         `for=127.0.0.1;host="` + host + `";proto=` + proto,
	}
	if m.Base() != triotest.H1 {
		want["Te"] = "" // the HTTP/2 and HTTP/3 clients send no TE but trailers, and only for gRPC
	}
	for k, v := range want {
		if g := strings.Join(got[k], ", "); g != v && v != "" {
			t.Errorf("upstream got %s = %q; want %q", k, g, v)
		}
	}
	if g := res.Header.Get("X-Got-Length"); g != "0 []" {
		t.Errorf("upstream got a GET with length, transfer coding %s; want 0 [], no body", g)
	}
	if g := res.Header.Get("X-Got-Host"); g != host {
		t.Errorf("upstream got Host %q; want the client's %q", g, host)
	}
	if g := res.Header.Get("Via"); g != "1.1 trio" {
		t.Errorf("response Via = %q; want %q", g, "1.1 trio")
	}
	if g, want := res.Header.Get("Alt-Svc"), map[bool]string{true: ts.Server.AltSvc()}[m.TLS() && m.Base() != triotest.H3]; g != want {
		t.Errorf("Alt-Svc = %q; want trio's own %q, never the upstream's", g, want)
	}
	for _, k := range []string{"X-Private", "Keep-Alive"} {
		if v := res.Header.Get(k); v != "" {
			t.Errorf("client got the upstream's hop-by-hop %s: %q", k, v)
		}
	}
}

func TestOutHeader(t *testing.T) {
	tests := []struct {
		name    string
		remote  string
		trusted string // prefix, or ""
		in      map[string]string
		want    map[string]string
	}{
		{"untrusted replaces", "10.0.0.9:1234", "", map[string]string{
			"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil", "Forwarded": "for=6.6.6.6",
		}, map[string]string{
			"X-Forwarded-For": "10.0.0.9", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "site.example",
			"Forwarded": "for=10.0.0.9;host=site.example;proto=http", "Via": "1.1 trio",
		}},
		{"trusted appends", "10.0.0.9:1234", "10.0.0.0/8", map[string]string{
			"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "orig.example",
			"Forwarded": "for=6.6.6.6;proto=https", "Via": "1.1 edge",
		}, map[string]string{
			"X-Forwarded-For": "6.6.6.6, 10.0.0.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "orig.example",
			"Forwarded": "for=6.6.6.6;proto=https, for=10.0.0.9;host=site.example;proto=http", "Via": "1.1 edge, 1.1 trio",
		}},
		{"trusted elsewhere", "10.0.0.9:1234", "192.168.0.0/16", map[string]string{"X-Forwarded-For": "6.6.6.6"},
			map[string]string{"X-Forwarded-For": "10.0.0.9"}},
		{"ipv6 quoted", "[2001:db8::1%eth0]:443", "", nil, map[string]string{
			"X-Forwarded-For": "2001:db8::1", "Forwarded": `for="[2001:db8::1]";host=site.example;proto=http`,
		}},
		{"ipv4-mapped", "[::ffff:10.1.2.3]:80", "", nil, map[string]string{"X-Forwarded-For": "10.1.2.3"}},
		{"connection names", "10.0.0.9:1", "", map[string]string{"Connection": "keep-alive, x-a ,X-B", "X-A": "1", "X-B": "2", "X-C": "3", "Te": "gzip"},
			map[string]string{"X-A": "", "X-B": "", "X-C": "3", "Connection": "", "Te": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{}
			if tt.trusted != "" {
				h.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(tt.trusted)}
			}
			r := httptest.NewRequest("GET", "http://site.example/", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.in {
				r.Header.Set(k, v)
			}
			out := http.Header{}
			h.outHeader(r, out)
			for k, v := range tt.want {
				if g := strings.Join(out[k], ", "); g != v {
					t.Errorf("%s = %q; want %q", k, g, v)
				}
			}
		})
	}
}

func TestQuoteIfNeeded(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":      "example.com",
		"example.com:8443": `"example.com:8443"`,
		"[::1]:8443":       `"[::1]:8443"`,
		`a"b\c`:            `"a\"b\\c"`,
		"":                 `""`,
	} {
		if got := string(appendQuoteIfNeeded(nil, in)); got != want {
			t.Errorf("appendQuoteIfNeeded(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestForwardedFor(t *testing.T) {
	for _, tt := range []struct{ remote, xff, forwarded string }{
		{"127.0.0.1:1234", "127.0.0.1", "for=127.0.0.1;host=example.com;proto=https"},
		{"10.0.0.7", "10.0.0.7", "for=10.0.0.7;host=example.com;proto=https"},
		{"[::1]:1234", "::1", `for="[::1]";host=example.com;proto=https`},
		{"[::ffff:192.0.2.1]:1234", "192.0.2.1", "for=192.0.2.1;host=example.com;proto=https"},
		{"[fe80::1%eth0]:1234", "fe80::1", `for="[fe80::1]";host=example.com;proto=https`},
		{"192.0.2.1:1234:5", "", "for=unknown;host=example.com;proto=https"},
		{"", "", "for=unknown;host=example.com;proto=https"},
	} {
		r := httptest.NewRequest("GET", "https://example.com/", nil)
		r.RemoteAddr = tt.remote
		out := http.Header{}
		(&Handler{}).outHeader(r, out)
		if g := strings.Join(out["X-Forwarded-For"], ", "); g != tt.xff {
			t.Errorf("RemoteAddr %q: X-Forwarded-For = %q; want %q", tt.remote, g, tt.xff)
		}
		if g := strings.Join(out["Forwarded"], ", "); g != tt.forwarded {
			t.Errorf("RemoteAddr %q: Forwarded = %q; want %q", tt.remote, g, tt.forwarded)
		}
	}
}

// TestOutHeaderAllocs: the fields the proxy adds share one slice, and
// Forwarded is one string: a request from an IPv4 client costs the header
// map and these two.
func TestOutHeaderAllocs(t *testing.T) {
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("Accept", "*/*")
	r.Header.Set("User-Agent", "test")
	h := &Handler{}
	out := make(http.Header, 16)
	allocs := testing.AllocsPerRun(100, func() {
		clear(out)
		h.outHeader(r, out)
	})
	if allocs > 2 {
		t.Errorf("outHeader: %v allocations; want at most 2", allocs)
	}
}
