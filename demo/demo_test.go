package demo_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/triotest"
)

func TestDemo(t *testing.T) { triotest.Run(t, testDemo) }
func testDemo(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, demo.Handler())
	if page := ts.Get(t, "/"); !strings.Contains(page, `<span id="page-proto"`) || !strings.Contains(page, `/app.js`) {
		t.Errorf("GET / does not look like the demo page:\n%.300s", page)
	}
	var me demo.Whoami
	if err := json.Unmarshal([]byte(ts.Get(t, "/api/whoami")), &me); err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if me.Proto != m.Proto() {
		t.Errorf("whoami proto = %q; want %q", me.Proto, m.Proto())
	}
	if me.ConnRequests < 1 {
		t.Errorf("whoami connRequests = %d; want at least 1", me.ConnRequests)
	}
	wantALPN := map[triotest.Mode]string{triotest.H1: "http/1.1", triotest.H2: "h2", triotest.H3: "h3"}[m.Base()]
	if me.ALPN != wantALPN {
		t.Errorf("whoami alpn = %q; want %q", me.ALPN, wantALPN)
	}
	for _, tt := range []struct {
		path, wantType string
		wantStatus     int
	}{
		{"/tile/7.svg", "image/svg+xml", 200},
		{"/tile/7.svg?delay=5", "image/svg+xml", 200},
		{"/style.css", "text/css; charset=utf-8", 200},
		{"/app.js", "text/javascript; charset=utf-8", 200},
		{"/tile/x.svg", "", 404},
		{"/tile/1000.svg", "", 404},
		{"/tile/7", "", 404},
		{"/tile/7.svg?delay=-1", "", 400},
		{"/nope", "", 404},
	} {
		resp, err := ts.Client.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("GET %s status = %d; want %d", tt.path, resp.StatusCode, tt.wantStatus)
		}
		if tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
			t.Errorf("GET %s Content-Type = %q; want %q", tt.path, resp.Header.Get("Content-Type"), tt.wantType)
		}
	}
}

func TestTileDelayIsBounded(t *testing.T) {
	ts := triotest.New(t, triotest.H2, demo.Handler())
	req, _ := http.NewRequest("GET", ts.URL+"/tile/1.svg?delay=999999999", nil)
	resp, err := ts.Client.Do(req) // would hang for days without the bound
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status = %d; want 200", resp.StatusCode)
	}
}

// The client reuses its connection, so each whoami reports one more
// request on it than the last, with every request in between counted.
func TestConnRequests(t *testing.T) { triotest.Run(t, testConnRequests) }
func testConnRequests(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, demo.Handler())
	count := func() int {
		t.Helper()
		var me demo.Whoami
		if err := json.Unmarshal([]byte(ts.Get(t, "/api/whoami")), &me); err != nil {
			t.Fatalf("whoami: %v", err)
		}
		return me.ConnRequests
	}
	first := count()
	ts.Get(t, "/tile/1.svg")
	ts.Get(t, "/style.css")
	if got := count(); got != first+3 {
		t.Errorf("connRequests after two more requests and this one = %d; want %d", got, first+3)
	}
}

// The pages come from package static: a strong ETag that a conditional
// request matches, compression by Accept-Encoding, and ranges, with a
// range in an unknown unit ignored (RFC 9110 §14.2; trio check's
// semantics/range-unknown-unit).
func TestPagesServedByStatic(t *testing.T) {
	ts := triotest.New(t, triotest.H2, demo.Handler())
	do := func(path string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := ts.Client.Transport.RoundTrip(req) // no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, full := do("/style.css", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || strings.HasPrefix(etag, "W/") {
		t.Fatalf("GET /style.css: status %d, ETag %q; want 200 with a strong ETag", resp.StatusCode, etag)
	}
	if resp, _ := do("/style.css", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with its ETag: status %d; want 304", resp.StatusCode)
	}
	if resp, _ := do("/app.js", map[string]string{"Accept-Encoding": "gzip"}); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding: gzip: Content-Encoding %q; want gzip", resp.Header.Get("Content-Encoding"))
	}
	if resp, body := do("/style.css", map[string]string{"Range": "bytes=0-9"}); resp.StatusCode != http.StatusPartialContent || body != full[:10] {
		t.Errorf("Range bytes=0-9: status %d, body %q; want 206 and %q", resp.StatusCode, body, full[:10])
	}
	if resp, body := do("/style.css", map[string]string{"Range": "pages=0-9"}); resp.StatusCode != 200 || body != full {
		t.Errorf("Range in an unknown unit: status %d, %d bytes; want 200 with the whole file (%d bytes)", resp.StatusCode, len(body), len(full))
	}
	if resp, _ := do("/", nil); resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Errorf("GET /: status %d, ETag %q; want 200 with an ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
}
