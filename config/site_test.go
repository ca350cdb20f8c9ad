package config

import (
	"net/http"
	"testing"
)

// TestSiteFeatures serves testdata/full over HTTP/1.1, HTTP/2 and
// HTTP/3: headers per path, redirects with their status, rewrites, basic
// auth (also behind a rewrite), custom error pages, HSTS, clean URLs,
// compression on and off, wildcard hosts and the default site.
func TestSiteFeatures(t *testing.T) {
	ts := serveConfig(t, "testdata/full/trio.toml")
	notFound := readFile(t, "testdata/full/errors/404.html")
	unauthorized := readFile(t, "testdata/full/errors/401.html")
	auth := func(user, pass string) http.Header {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header
	}
	gzip := http.Header{"Accept-Encoding": {"gzip"}}
	tests := []struct {
		name, host, path string
		header           http.Header
		status           int
		body             string            // "" means not checked
		want             map[string]string // response headers; "" means absent
	}{
		{"header rule", "shop.localhost", "/assets/app.css", nil, 200, "body { color: teal }\n",
			map[string]string{"Cache-Control": "public, max-age=31536000, immutable", "X-Site": "shop", "X-Frame-Options": ""}},
		{"no rule: static's default", "shop.localhost", "/big.txt", nil, 200, "",
			map[string]string{"Cache-Control": "public, max-age=3600", "X-Site": ""}},
		{"regexp rule and delete", "shop.localhost", "/admin/index.html", auth("alice", "open sesame"), 200, "",
			map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": ""}},
		{"redirect 301", "shop.localhost", "/old/app.css", nil, 301, "",
			map[string]string{"Location": "/assets/app.css"}},
		{"redirect default 302, query kept", "shop.localhost", "/moved?x=1", nil, 302, "",
			map[string]string{"Location": "https://example.com/elsewhere?x=1"}},
		{"rewrite", "shop.localhost", "/app/deep/link", nil, 200, "<!doctype html><p>shop app shell\n", nil},
		{"auth: none", "shop.localhost", "/admin/", nil, 401, unauthorized,
			map[string]string{"WWW-Authenticate": `Basic realm="shop admin", charset="UTF-8"`, "Content-Type": "text/html; charset=utf-8"}},
		{"auth: right", "shop.localhost", "/admin/", auth("alice", "open sesame"), 200, "<!doctype html><p>shop admin\n", nil},
		{"auth: wrong password", "shop.localhost", "/admin/", auth("alice", "open sesame!"), 401, unauthorized, nil},
		{"auth: unknown user", "shop.localhost", "/admin/", auth("mallory", "open sesame"), 401, unauthorized, nil},
		{"auth behind a rewrite: none", "shop.localhost", "/private-door", nil, 401, unauthorized, nil},
		{"auth before a rewrite: none", "shop.localhost", "/admin/home", nil, 401, unauthorized, nil},
		{"auth before a rewrite: right", "shop.localhost", "/admin/home", auth("alice", "open sesame"), 200, "<!doctype html><p>shop home\n", nil},
		{"auth behind a rewrite: right", "shop.localhost", "/private-door", auth("alice", "open sesame"), 200, "<!doctype html><p>shop admin\n", nil},
		{"error page", "shop.localhost", "/no/such/page", nil, 404, notFound,
			map[string]string{"Content-Type": "text/html; charset=utf-8", "Strict-Transport-Security": "max-age=31536000"}},
		{"error page on HEAD", "shop.localhost", "/no/such/page", nil, 404, "", nil},
		{"compress on", "shop.localhost", "/big.txt", gzip, 200, "", map[string]string{"Content-Encoding": "gzip"}},
		{"compress off", "blog.localhost", "/big.txt", gzip, 200, "", map[string]string{"Content-Encoding": ""}},
		{"wildcard host", "www.shop.localhost", "/", nil, 200, "<!doctype html><p>shop home\n", nil},
		{"clean URL", "blog.localhost", "/about", nil, 200, "<!doctype html><p>about the blog\n", nil},
		{"default site", "unknown.localhost", "/", nil, 200, "<!doctype html><p>blog home\n", nil},
		{"default site: no shop error page", "unknown.localhost", "/missing", nil, 404, "404 Not Found\n", nil},
	}
	for _, proto := range protos {
		for _, tt := range tests {
			c, base := ts.client(t, proto, tt.host)
			method := "GET"
			if tt.name == "error page on HEAD" {
				method = "HEAD"
			}
			r := do(t, c, base, tt.host, method, tt.path, tt.header)
			if r.status != tt.status || tt.body != "" && r.body != tt.body {
				t.Errorf("%s: %s: %s %s%s = %d %q; want %d %q", proto, tt.name, method, tt.host, tt.path, r.status, r.body, tt.status, tt.body)
			}
			if method == "HEAD" && r.body != "" {
				t.Errorf("%s: %s: HEAD has a body %q", proto, tt.name, r.body)
			}
			for k, v := range tt.want {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s: %s: %s = %q; want %q", proto, tt.name, k, got, v)
				}
			}
		}
	}
}
