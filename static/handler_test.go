package static_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/triohttp/trio/static"
	"github.com/triohttp/trio/triotest"
)

// serveTest is one request and what its response must hold.
type serveTest struct {
	name     string
	handler  string // key of handlers(); "" is the default Handler
	method   string // "" is GET
	path     string // sent as is: may hold percent-encodings
	header   map[string]string
	etagFrom string // GET this path first; "$ETAG" and "$LM" in header are its ETag and Last-Modified
	etagAE   string // Accept-Encoding of that GET; "" is the request's own

	status   int
	want     map[string]string // header values; "-" must be absent, "*" any value
	body     *string           // exact body
	contains []string          // substrings of the body
	excludes []string          // not in the body
}

func str(s string) *string { return &s }

// handlers are the configurations the table uses, all on the same tree.
func handlers(root string) map[string]http.Handler {
	return map[string]http.Handler{
		"":       &static.Handler{Root: root},
		"browse": &static.Handler{Root: root, Browse: true},
		"clean":  &static.Handler{Root: root, CleanURLs: true},
		"spa":    &static.Handler{Root: root, SPA: true},
		"hidden": &static.Handler{Root: root, ShowHidden: true},
		"follow": &static.Handler{Root: root, FollowSymlinks: true},
		"docs":   &static.Handler{Root: root + "/docs"}, // no 404.html
		"disk":   &static.Handler{Root: root, MaxMemoryFile: -1},
	}
}

const lastMod = "Sat, 01 Mar 2025 12:00:00 GMT"

var serveTests = []serveTest{
	// Methods (RFC 9110 §9.3).
	{name: "get", path: "/hello.txt", status: 200, body: str(helloTXT), want: map[string]string{
		"Content-Type": "text/plain; charset=utf-8", "Content-Length": "13", "X-Content-Type-Options": "nosniff",
		"Accept-Ranges": "bytes", "ETag": "*", "Last-Modified": lastMod, "Cache-Control": "public, max-age=3600",
		"Content-Encoding": "-"}},
	{name: "head", method: "HEAD", path: "/hello.txt", status: 200, body: str(""), want: map[string]string{
		"Content-Type": "text/plain; charset=utf-8", "Content-Length": "13", "ETag": "*", "Last-Modified": lastMod}},
	{name: "head large", method: "HEAD", path: "/large.bin", status: 200, body: str(""), want: map[string]string{
		"Content-Length": strconv.Itoa(len(largeBin)), "Content-Type": "application/octet-stream"}},
	{name: "options", method: "OPTIONS", path: "/hello.txt", status: 204, want: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
	{name: "post", method: "POST", path: "/hello.txt", status: 405, want: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
	{name: "delete", method: "DELETE", path: "/hello.txt", status: 405, want: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},

	// Resolution.
	{name: "root index", path: "/", status: 200, body: str(indexHTML), want: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}},
	{name: "dir redirect", path: "/docs", status: 308, want: map[string]string{"Location": "/docs/"}},
	{name: "dir redirect query", path: "/docs?x=1&y", status: 308, want: map[string]string{"Location": "/docs/?x=1&y"}},
	{name: "dir redirect no open redirect", path: "//docs", status: 308, want: map[string]string{"Location": "/docs/"}},
	{name: "dir index", path: "/docs/", status: 200, body: str("<h1>docs</h1>\n")},
	{name: "dir no index", path: "/dir/", status: 404, body: str("<h1>not here</h1>\n"), want: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "ETag": "-"}},
	{name: "missing uses 404.html", path: "/nope", status: 404, body: str("<h1>not here</h1>\n")},
	{name: "missing plain 404", handler: "docs", path: "/nope", status: 404, body: str("404 Not Found\n"),
		want: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
	{name: "file with slash", path: "/hello.txt/", status: 404},
	{name: "clean urls off", path: "/about", status: 404},
	{name: "clean urls", handler: "clean", path: "/about", status: 200, body: str("<h1>about</h1>\n"),
		want: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
	{name: "clean urls nested", handler: "clean", path: "/sub/page", status: 200, body: str("<h1>page</h1>\n")},
	{name: "clean urls explicit", handler: "clean", path: "/about.html", status: 200},
	{name: "spa fallback", handler: "spa", path: "/app/route", status: 200, body: str(indexHTML)},
	{name: "spa keeps extensions 404", handler: "spa", path: "/missing.js", status: 404},
	{name: "spa off", path: "/app/route", status: 404},

	// Listings.
	{name: "listing html", handler: "browse", path: "/dir/", status: 200, want: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
		contains: []string{"x&lt;y&gt;&amp;.txt", `href="../"`, `href="/dir/b/"`, "<td>1</td>"}, excludes: []string{".dot", "<y>"}},
	{name: "listing json", handler: "browse", path: "/dir/", header: map[string]string{"Accept": "application/json"},
		status: 200, want: map[string]string{"Content-Type": "application/json"},
		contains: []string{`{"name":"b",`, `"isDir":true,"url":"/dir/b/"`, `"name":"a.txt","size":1,`}},
	{name: "listing prefers html", handler: "browse", path: "/dir/",
		header: map[string]string{"Accept": "text/html,application/json;q=0.9"}, status: 200,
		want: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
	{name: "listing index wins", handler: "browse", path: "/withindex/", status: 200, body: str("<h1>withindex</h1>\n")},
	{name: "listing head", handler: "browse", method: "HEAD", path: "/dir/", status: 200, body: str(""),
		want: map[string]string{"Content-Length": "*"}},

	// Safety.
	{name: "dotdot", path: "/../hello.txt", status: 400},
	{name: "dotdot encoded", path: "/%2e%2e/hello.txt", status: 400},
	{name: "dotdot upper", path: "/dir/%2E%2E/%2E%2E/etc/passwd", status: 400},
	{name: "encoded slash", path: "/dir%2fa.txt", status: 400},
	{name: "encoded slash dotdot", path: "/..%2f..%2fetc%2fpasswd", status: 400},
	{name: "backslash", path: "/dir%5c..%5chello.txt", status: 400},
	{name: "nul", path: "/hello.txt%00.png", status: 400},
	{name: "double encoding is literal", path: "/%252e%252e/odd.txt", status: 200, body: str("odd")},
	{name: "symlink out file", path: "/escape.txt", status: 404, excludes: []string{"outside secret"}},
	{name: "symlink out relative", path: "/relescape", status: 404},
	{name: "symlink out dir", path: "/escapedir/secret.txt", status: 404},
	{name: "symlink out nested", path: "/dir/out.txt", status: 404},
	{name: "symlink in file", path: "/inside.txt", status: 200, body: str(helloTXT)},
	{name: "symlink in dir", path: "/insidedir/a.txt", status: 200, body: str("a")},
	{name: "symlink up in root", path: "/dir/up.txt", status: 200, body: str(helloTXT)},
	{name: "follow symlinks", handler: "follow", path: "/escape.txt", status: 200, body: str("outside secret")},
	{name: "dotfile", path: "/.secret", status: 404, excludes: []string{"token"}},
	{name: "dotfile nested", path: "/dir/.dot", status: 404},
	{name: "well-known", path: "/.well-known/security.txt", status: 200},
	{name: "well-known dotfile", path: "/.well-known/.hidden", status: 404},
	{name: "show hidden", handler: "hidden", path: "/.secret", status: 200, body: str("token")},

	// Validators and conditionals (RFC 9110 §13.2.2).
	{name: "inm match", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-None-Match": "$ETAG"},
		status: 304, body: str(""), want: map[string]string{"ETag": "*", "Cache-Control": "public, max-age=3600",
			"Content-Length": "-", "Content-Type": "-", "Last-Modified": "-"}},
	{name: "inm weak", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-None-Match": "W/$ETAG"}, status: 304},
	{name: "inm list", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-None-Match": `"x", $ETAG`}, status: 304},
	{name: "inm star", path: "/hello.txt", header: map[string]string{"If-None-Match": "*"}, status: 304},
	{name: "inm miss", path: "/hello.txt", header: map[string]string{"If-None-Match": `"nope"`}, status: 200},
	{name: "inm head", method: "HEAD", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-None-Match": "$ETAG"}, status: 304},
	{name: "ims equal", path: "/hello.txt", header: map[string]string{"If-Modified-Since": lastMod}, status: 304},
	{name: "ims later", path: "/hello.txt", header: map[string]string{"If-Modified-Since": "Sun, 02 Mar 2025 12:00:00 GMT"}, status: 304},
	{name: "ims earlier", path: "/hello.txt", header: map[string]string{"If-Modified-Since": "Fri, 28 Feb 2025 12:00:00 GMT"}, status: 200},
	{name: "ims invalid", path: "/hello.txt", header: map[string]string{"If-Modified-Since": "yesterday"}, status: 200},
	{name: "inm beats ims", path: "/hello.txt", header: map[string]string{"If-None-Match": `"nope"`, "If-Modified-Since": lastMod}, status: 200},
	{name: "inm match ims old", path: "/hello.txt", etagFrom: "/hello.txt",
		header: map[string]string{"If-None-Match": "$ETAG", "If-Modified-Since": "Fri, 28 Feb 2025 12:00:00 GMT"}, status: 304},
	{name: "if-match", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-Match": "$ETAG"}, status: 200},
	{name: "if-match miss", path: "/hello.txt", header: map[string]string{"If-Match": `"nope"`}, status: 412},
	{name: "if-match weak is strong", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"If-Match": "W/$ETAG"}, status: 412},
	{name: "if-match star", path: "/hello.txt", header: map[string]string{"If-Match": "*"}, status: 200},
	{name: "if-match before inm", path: "/hello.txt", header: map[string]string{"If-Match": `"nope"`, "If-None-Match": "*"}, status: 412},
	{name: "ius earlier", path: "/hello.txt", header: map[string]string{"If-Unmodified-Since": "Fri, 28 Feb 2025 12:00:00 GMT"}, status: 412},
	{name: "ius equal", path: "/hello.txt", header: map[string]string{"If-Unmodified-Since": lastMod}, status: 200},
	{name: "ius ignored with if-match", path: "/hello.txt", etagFrom: "/hello.txt",
		header: map[string]string{"If-Match": "$ETAG", "If-Unmodified-Since": "Fri, 28 Feb 2025 12:00:00 GMT"}, status: 200},

	{name: "preconditions ignored on 404", path: "/nope", header: map[string]string{"If-Match": `"x"`}, status: 404},
	{name: "inm ignored on 404", path: "/nope", header: map[string]string{"If-None-Match": "*"}, status: 404},
	{name: "inm before range", path: "/hello.txt", etagFrom: "/hello.txt",
		header: map[string]string{"If-None-Match": "$ETAG", "Range": "bytes=0-1"}, status: 304},
	{name: "ims before range", path: "/hello.txt", header: map[string]string{"If-Modified-Since": lastMod, "Range": "bytes=0-1"}, status: 304},
	{name: "if-match then range", path: "/hello.txt", etagFrom: "/hello.txt",
		header: map[string]string{"If-Match": "$ETAG", "Range": "bytes=0-1"}, status: 206, body: str("he")},

	// Ranges (RFC 9110 §14).
	{name: "range", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4"}, status: 206, body: str("hello"),
		want: map[string]string{"Content-Range": "bytes 0-4/13", "Content-Length": "5", "Content-Type": "text/plain; charset=utf-8"}},
	{name: "range suffix", path: "/hello.txt", header: map[string]string{"Range": "bytes=-6"}, status: 206, body: str("world\n"),
		want: map[string]string{"Content-Range": "bytes 7-12/13"}},
	{name: "range open", path: "/hello.txt", header: map[string]string{"Range": "bytes=7-"}, status: 206, body: str("world\n")},
	{name: "range past end", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-100"}, status: 206,
		body: str(helloTXT), want: map[string]string{"Content-Range": "bytes 0-12/13"}},
	{name: "range unsatisfiable", path: "/hello.txt", header: map[string]string{"Range": "bytes=20-"}, status: 416,
		want: map[string]string{"Content-Range": "bytes */13", "Cache-Control": "-", "Content-Type": "text/plain; charset=utf-8"}},
	{name: "range zero suffix", path: "/hello.txt", header: map[string]string{"Range": "bytes=-0"}, status: 416},
	{name: "range invalid ignored", path: "/hello.txt", header: map[string]string{"Range": "bytes=5-2"}, status: 200, body: str(helloTXT)},
	{name: "range unit ignored", path: "/hello.txt", header: map[string]string{"Range": "items=0-1"}, status: 200},
	{name: "range coalesced", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4,2-8"}, status: 206,
		body: str("hello, wo"), want: map[string]string{"Content-Range": "bytes 0-8/13"}},
	{name: "range multipart", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-1,-2"}, status: 206,
		want: map[string]string{"Content-Type": "*"}, contains: []string{"Content-Range: bytes 0-1/13", "Content-Range: bytes 11-12/13"}},
	{name: "range too many", path: "/hello.txt", header: map[string]string{"Range": "bytes=" + strings.Repeat("0-0,", 101) + "0-0"}, status: 200},
	{name: "range head ignored", method: "HEAD", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4"}, status: 200,
		want: map[string]string{"Content-Length": "13"}},
	{name: "range disk", handler: "disk", path: "/large.bin", header: map[string]string{"Range": "bytes=100000-100009"}, status: 206,
		body: str(string(largeBin[100000:100010]))},
	{name: "range disk suffix", handler: "disk", path: "/large.bin", header: map[string]string{"Range": "bytes=-3"}, status: 206,
		body: str(string(largeBin[len(largeBin)-3:]))},
	{name: "if-range etag", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"Range": "bytes=0-4", "If-Range": "$ETAG"}, status: 206},
	{name: "if-range etag miss", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4", "If-Range": `"nope"`}, status: 200, body: str(helloTXT)},
	{name: "if-range weak", path: "/hello.txt", etagFrom: "/hello.txt", header: map[string]string{"Range": "bytes=0-4", "If-Range": "W/$ETAG"}, status: 200},
	{name: "if-range date", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4", "If-Range": lastMod}, status: 206},
	{name: "if-range date miss", path: "/hello.txt", header: map[string]string{"Range": "bytes=0-4", "If-Range": "Fri, 28 Feb 2025 12:00:00 GMT"}, status: 200},
	{name: "empty file", path: "/empty.txt", status: 200, body: str(""), want: map[string]string{"Content-Length": "0"}},
	{name: "empty file range", path: "/empty.txt", header: map[string]string{"Range": "bytes=0-"}, status: 416,
		want: map[string]string{"Content-Range": "bytes */0"}},

	// Content codings (RFC 9110 §12.5.3).
	{name: "sidecar br", path: "/style.css", header: map[string]string{"Accept-Encoding": "br"}, status: 200,
		body: str(string(brotliBytes(cssText))), want: map[string]string{"Content-Encoding": "br", "Vary": "Accept-Encoding",
			"Content-Type": "text/css; charset=utf-8", "Content-Length": strconv.Itoa(len(brotliBytes(cssText)))}},
	{name: "sidecar gzip", path: "/style.css", header: map[string]string{"Accept-Encoding": "gzip"}, status: 200,
		body: str(string(gzipBytes(cssText))), want: map[string]string{"Content-Encoding": "gzip"}},
	{name: "prefer br on tie", path: "/style.css", header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}, status: 200,
		want: map[string]string{"Content-Encoding": "br"}},
	{name: "q-values", path: "/style.css", header: map[string]string{"Accept-Encoding": "br;q=0.5, gzip"}, status: 200,
		want: map[string]string{"Content-Encoding": "gzip"}},
	{name: "on the fly zstd", path: "/style.css", header: map[string]string{"Accept-Encoding": "zstd"}, status: 200,
		want: map[string]string{"Content-Encoding": "zstd", "Vary": "Accept-Encoding"}},
	{name: "on the fly gzip", path: "/big.txt", header: map[string]string{"Accept-Encoding": "gzip"}, status: 200,
		want: map[string]string{"Content-Encoding": "gzip", "Vary": "Accept-Encoding", "Accept-Ranges": "bytes"}},
	{name: "star", path: "/big.txt", header: map[string]string{"Accept-Encoding": "*"}, status: 200,
		want: map[string]string{"Content-Encoding": "br"}},
	{name: "q zero", path: "/big.txt", header: map[string]string{"Accept-Encoding": "br;q=0"}, status: 200, body: str(bigTXT),
		want: map[string]string{"Content-Encoding": "-", "Vary": "Accept-Encoding"}},
	{name: "identity q zero", path: "/big.txt", header: map[string]string{"Accept-Encoding": "identity;q=0, gzip;q=0.1"}, status: 200,
		want: map[string]string{"Content-Encoding": "gzip"}},
	{name: "nothing acceptable", path: "/big.txt", header: map[string]string{"Accept-Encoding": "identity;q=0"}, status: 406,
		want: map[string]string{"Vary": "Accept-Encoding, Accept"}}, // Accept: errors are HTML for browsers
	{name: "identity", path: "/big.txt", status: 200, body: str(bigTXT), want: map[string]string{"Vary": "Accept-Encoding", "Content-Encoding": "-"}},
	{name: "not compressible", path: "/img.png", header: map[string]string{"Accept-Encoding": "gzip, br"}, status: 200,
		want: map[string]string{"Content-Encoding": "-", "Vary": "-", "Content-Type": "image/png"}},
	{name: "too small", path: "/hello.txt", header: map[string]string{"Accept-Encoding": "gzip"}, status: 200,
		body: str(helloTXT), want: map[string]string{"Content-Encoding": "-", "Vary": "Accept-Encoding"}},
	{name: "range of encoding", path: "/style.css", header: map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-9"}, status: 206,
		body: str(string(brotliBytes(cssText)[:10])), want: map[string]string{"Content-Encoding": "br",
			"Content-Range": "bytes 0-9/" + strconv.Itoa(len(brotliBytes(cssText)))}},
	{name: "multi range of encoding ignored", path: "/style.css", header: map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-1,5-6"},
		status: 200, body: str(string(brotliBytes(cssText)))},
	{name: "etag per encoding", path: "/style.css", etagFrom: "/style.css", etagAE: "identity",
		header: map[string]string{"Accept-Encoding": "br", "If-None-Match": "$ETAG"}, status: 200},
	{name: "encoded 304", path: "/big.txt", etagFrom: "/big.txt",
		header: map[string]string{"Accept-Encoding": "gzip", "If-None-Match": "$ETAG"}, status: 304,
		want: map[string]string{"Vary": "Accept-Encoding", "Content-Encoding": "-"}},

	// Types and caching policy.
	{name: "json", path: "/data.json", status: 200, want: map[string]string{"Content-Type": "application/json"}},
	{name: "sniffed", path: "/LICENSE", status: 200, want: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
	{name: "fingerprinted", path: "/app.3f2a9c1b.js", status: 200, want: map[string]string{
		"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable"}},
	{name: "fingerprinted vite", path: "/assets/index-BZ3xk2aQ.css", status: 200, want: map[string]string{
		"Cache-Control": "public, max-age=31536000, immutable"}},
}

// TestServe runs the table over cleartext HTTP/1.1 (the sendfile path) and
// every protocol of triotest, on one fixture tree.
func TestServe(t *testing.T) {
	root, outside := newFixture(t)
	hs := handlers(root)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs[r.Header.Get("X-Test-Handler")].ServeHTTP(w, r)
	})
	t.Run("h1-cleartext", func(t *testing.T) {
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		testServe(t, noRedirect(ts.Client()), ts.URL, root, outside)
	})
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		ts := triotest.New(t, m, h)
		testServe(t, noRedirect(ts.Client), ts.URL, root, outside)
	})
}

// noRedirect returns a copy of c that does not follow redirects.
func noRedirect(c *http.Client) *http.Client {
	n := *c
	n.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &n
}

func testServe(t *testing.T, c *http.Client, base, root, outside string) {
	for _, tt := range serveTests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Accept-Encoding": "identity", "X-Test-Handler": tt.handler}
			for k, v := range tt.header {
				hdr[k] = v
			}
			if tt.etagFrom != "" {
				ae := hdr["Accept-Encoding"]
				if tt.etagAE != "" {
					ae = tt.etagAE
				}
				res := do(t, c, "GET", base+tt.etagFrom, map[string]string{"Accept-Encoding": ae, "X-Test-Handler": tt.handler})
				for k, v := range hdr {
					v = strings.ReplaceAll(v, "$ETAG", res.Header.Get("ETag"))
					hdr[k] = strings.ReplaceAll(v, "$LM", res.Header.Get("Last-Modified"))
				}
			}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			res := do(t, c, method, base+tt.path, hdr)
			body := res.body
			if res.StatusCode != tt.status {
				t.Errorf("status = %d; want %d (body %.100q)", res.StatusCode, tt.status, body)
			}
			for k, want := range tt.want {
				got, ok := res.Header[http.CanonicalHeaderKey(k)]
				switch {
				case want == "-" && ok:
					t.Errorf("%s = %q; want none", k, got)
				case want == "*" && !ok:
					t.Errorf("%s missing", k)
				case want != "-" && want != "*" && strings.Join(got, ", ") != want:
					t.Errorf("%s = %q; want %q", k, strings.Join(got, ", "), want)
				}
			}
			if tt.body != nil && body != *tt.body {
				t.Errorf("body = %.200q; want %.200q", body, *tt.body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body = %.300q; want it to contain %q", body, s)
				}
			}
			for _, s := range append(tt.excludes, root, outside) {
				if strings.Contains(body, s) {
					t.Errorf("body = %.300q; must not contain %q", body, s)
				}
			}
		})
	}
}

// response is an http.Response with its body read.
type response struct {
	*http.Response
	body string
}

// do sends one request with the given header fields.
func do(t *testing.T, c *http.Client, method, url string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return response{res, string(b)}
}
