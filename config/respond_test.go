package config

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRespondKeepsWriterInterfaces streams with Flush and hijacks the
// connection through http.ResponseController, behind the writer that
// applies header rules and error pages, over a real HTTP/1.1 connection.
func TestRespondKeepsWriterInterfaces(t *testing.T) {
	rules := []*headerRule{newHeaderRule(&HeaderRule{Set: map[string]string{"X-Rule": "yes"}})}
	pages := errorPages{404: {body: []byte("custom 404"), contentType: "text/plain"}}
	flushed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first ")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		<-flushed // the client has read "first " before the handler returns
		io.WriteString(w, "second")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})
	srv := httptest.NewServer(respond(mux, rules, pages))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	first := make([]byte, len("first "))
	if _, err := io.ReadFull(br, first); err != nil || string(first) != "first " {
		t.Fatalf("first flushed bytes = %q, %v", first, err)
	}
	close(flushed)
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	if string(rest) != "second" || resp.Header.Get("X-Rule") != "yes" {
		t.Errorf("stream: rest %q, X-Rule %q; want second, yes", rest, resp.Header.Get("X-Rule"))
	}

	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	raw, _ := io.ReadAll(conn)
	if !strings.HasSuffix(string(raw), "\r\n\r\nhijacked") {
		t.Errorf("hijacked response = %q", raw)
	}
}

// TestRespondErrorPage replaces the body of error responses only, drops
// the fields that describe the replaced body, and leaves others alone.
func TestRespondErrorPage(t *testing.T) {
	pages := errorPages{404: {body: []byte("custom 404"), contentType: "text/plain"}, 5: {body: []byte("custom 5xx"), contentType: "text/html"}}
	tests := []struct {
		code     int
		body     string
		wantBody string
		wantType string
	}{
		{404, "original", "custom 404", "text/plain"},
		{503, "original", "custom 5xx", "text/html"},
		{403, "forbidden", "forbidden", "application/x-original"}, // no page for 403 or 4xx
		{200, "fine", "fine", "application/x-original"},
	}
	for _, tt := range tests {
		h := respond(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-original")
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", "8")
			w.WriteHeader(tt.code)
			io.WriteString(w, tt.body)
		}), nil, pages)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		if rec.Code != tt.code || rec.Body.String() != tt.wantBody || rec.Header().Get("Content-Type") != tt.wantType {
			t.Errorf("%d: got %d %q %q; want %d %q %q", tt.code, rec.Code, rec.Body, rec.Header().Get("Content-Type"), tt.code, tt.wantBody, tt.wantType)
		}
		replaced := tt.wantBody != tt.body
		if enc := rec.Header().Get("Content-Encoding"); replaced == (enc != "") {
			t.Errorf("%d: Content-Encoding %q after replacing=%v", tt.code, enc, replaced)
		}
	}
}

// TestVhostSite picks sites by exact name first, then a wildcard for one
// label, then the default.
func TestVhostSite(t *testing.T) {
	a, w, def := &siteEntry{name: "a"}, &siteEntry{name: "wild"}, &siteEntry{name: "default"}
	v := &vhost{
		exact: map[string]*siteEntry{"a.example.com": a},
		wild:  map[string]*siteEntry{"example.com": w},
		def:   def,
	}
	tests := []struct{ host, want string }{
		{"a.example.com", "a"},
		{"b.example.com", "wild"},
		{"x.b.example.com", "default"}, // one label only
		{"example.com", "default"},
		{"other.test", "default"},
	}
	for _, tt := range tests {
		if got := v.site(tt.host); got.name != tt.want {
			t.Errorf("site(%q) = %s; want %s", tt.host, got.name, tt.want)
		}
	}
	for in, want := range map[string]string{
		"A.Example.COM.:8443": "a.example.com", "a.example.com": "a.example.com", "[::1]:443": "::1", "[::1]": "::1",
		"::1": "::1", "127.0.0.1:80": "127.0.0.1", "Host": "host", "": "", "[fe80::1%25eth0]:8443": "fe80::1%25eth0",
	} {
		if got := normalizeHost(in); got != want {
			t.Errorf("normalizeHost(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestPatternExpand fills redirect and rewrite targets from matches.
func TestPatternExpand(t *testing.T) {
	tests := []struct{ pat, to, path, want string }{
		{"/old/*", "/new/*", "/old/a/b.css", "/new/a/b.css"},
		{"/old/*", "/fixed", "/old/x", "/fixed"},
		{"*.php", "/legacy*", "/x/y.php", "/legacy/x/y"},
		{"~^/u/([0-9]+)$", "/users/$1", "/u/42", "/users/42"},
	}
	for _, tt := range tests {
		p, err := compilePattern(tt.pat)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := p.match(tt.path)
		if p.matches(tt.path) != ok {
			t.Errorf("pattern %q: matches(%q) = %v, but match found %v", tt.pat, tt.path, !ok, ok)
		}
		if !ok {
			t.Errorf("%q does not match %q", tt.pat, tt.path)
			continue
		}
		if got := p.expand(tt.to, tt.path, m); got != tt.want {
			t.Errorf("%q -> %q on %q = %q; want %q", tt.pat, tt.to, tt.path, got, tt.want)
		}
	}
	if p, _ := compilePattern("/exact"); func() bool { _, ok := p.match("/exact/more"); return ok }() {
		t.Error("/exact matches /exact/more")
	}
}
