package static_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/triohttp/trio/static"
)

// browserAccept is what Chromium sends when it navigates.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// Browsers get styled error pages and listings; other clients keep the
// one-line text/plain error. Neither says anything from the host.
func TestStyledPages(t *testing.T) {
	root, _ := newFixture(t)
	h := &static.Handler{Root: root, Browse: true}
	docs := &static.Handler{Root: root + "/docs"} // no 404.html
	for _, tt := range []struct {
		name, method, path, accept string
		status                     int
		ctype                      string
		contains, excludes         []string
	}{
		{"404 for a browser", "GET", "/nope", browserAccept, 404, "text/html; charset=utf-8",
			[]string{"<title>404 Not Found</title>", `<span class="code">404</span> Not Found`, "<style>", "prefers-color-scheme"}, []string{root}},
		{"400 for a browser", "GET", "/a/..%5c..%5cetc", browserAccept, 400, "text/html; charset=utf-8",
			[]string{"400</span> Bad Request"}, []string{root}},
		{"405 for a browser", "POST", "/hello.txt", browserAccept, 405, "text/html; charset=utf-8",
			[]string{"GET and HEAD"}, nil},
		{"404 for curl", "GET", "/nope", "*/*", 404, "text/plain; charset=utf-8", []string{"404 Not Found\n"}, []string{"<"}},
		{"404 without Accept", "GET", "/nope", "", 404, "text/plain; charset=utf-8", []string{"404 Not Found\n"}, []string{"<"}},
		{"listing", "GET", "/dir/", browserAccept, 200, "text/html; charset=utf-8",
			[]string{"<title>Index of /dir/</title>", "<style>", `<a href="/dir/b/">b/</a>`, "Served by trio"}, []string{root}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			if tt.path == "/nope" {
				docs.ServeHTTP(w, req)
			} else {
				h.ServeHTTP(w, req)
			}
			resp := w.Result()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d; want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.ctype {
				t.Errorf("Content-Type = %q; want %q", ct, tt.ctype)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(body), s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(string(body), s) {
					t.Errorf("body holds %q:\n%s", s, body)
				}
			}
			if resp.StatusCode >= 400 && !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept") {
				t.Errorf("Vary = %q; an error chosen by Accept must say so", resp.Header.Values("Vary"))
			}
		})
	}
}
