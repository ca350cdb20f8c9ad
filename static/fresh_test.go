package static_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/triohttp/trio/static"
)

// get serves one request through h with a recorder.
func get(h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestChangedFileServedFresh(t *testing.T) {
	root, _ := newFixture(t)
	h := &static.Handler{Root: root}
	p := filepath.Join(root, "hello.txt")
	w1 := get(h, "GET", "/hello.txt")

	// Same size, new content, mtime one nanosecond later: served at once.
	if err := os.WriteFile(p, []byte("HELLO, WORLD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, fixedTime, fixedTime.Add(time.Nanosecond))
	w2 := get(h, "GET", "/hello.txt")
	if got := w2.Body.String(); got != "HELLO, WORLD\n" {
		t.Errorf("body after change = %q; want %q", got, "HELLO, WORLD\n")
	}
	if e1, e2 := w1.Header().Get("ETag"), w2.Header().Get("ETag"); e1 == e2 {
		t.Errorf("ETag after change = %s; want a new one", e2)
	}
	if w := get(h, "GET", "/hello.txt", "If-None-Match", w1.Header().Get("ETag")); w.Code != 200 {
		t.Errorf("If-None-Match old ETag: status = %d; want 200", w.Code)
	}

	// Replaced by rename with the same size and mtime: the inode differs.
	tmp := filepath.Join(root, "tmp")
	os.WriteFile(tmp, []byte("hello, w0rld\n"), 0o644)
	os.Chtimes(tmp, fixedTime, fixedTime.Add(time.Nanosecond))
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	w3 := get(h, "GET", "/hello.txt")
	if got := w3.Body.String(); got != "hello, w0rld\n" || w3.Header().Get("ETag") == w2.Header().Get("ETag") {
		t.Errorf("after rename: body %q ETag %s; want new body and ETag (was %s)", got, w3.Header().Get("ETag"), w2.Header().Get("ETag"))
	}

	// A compressed variant follows its file.
	big := filepath.Join(root, "big.txt")
	g1 := get(h, "GET", "/big.txt", "Accept-Encoding", "gzip")
	os.WriteFile(big, []byte(strings.ToUpper(bigTXT)), 0o644)
	g2 := get(h, "GET", "/big.txt", "Accept-Encoding", "gzip")
	if got := decode(t, "gzip", g2.Body.Bytes()); got != strings.ToUpper(bigTXT) {
		t.Errorf("gzip body after change = %.40q; want the new content", got)
	}
	if g1.Header().Get("ETag") == g2.Header().Get("ETag") {
		t.Errorf("gzip ETag after change = %s; want a new one", g2.Header().Get("ETag"))
	}

	// A removed file is gone.
	os.Remove(p)
	if w := get(h, "GET", "/hello.txt"); w.Code != 404 {
		t.Errorf("removed file: status = %d; want 404", w.Code)
	}
}

// decode undoes a content coding.
func decode(t *testing.T, coding string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch coding {
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		d, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	case "gzip":
		g, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = g
	default:
		return string(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return string(out)
}

func TestOnTheFlyDecodes(t *testing.T) {
	root, _ := newFixture(t)
	h := &static.Handler{Root: root}
	for _, c := range []string{"br", "zstd", "gzip"} {
		for _, name := range []string{"/big.txt", "/style.css", "/app.3f2a9c1b.js"} {
			w := get(h, "GET", name, "Accept-Encoding", c)
			if got := w.Header().Get("Content-Encoding"); got != c {
				t.Errorf("%s: Content-Encoding = %q; want %q", name, got, c)
				continue
			}
			if n, _ := strconv.Atoi(w.Header().Get("Content-Length")); n != w.Body.Len() {
				t.Errorf("%s %s: Content-Length = %d; body is %d bytes", name, c, n, w.Body.Len())
			}
			want, _ := os.ReadFile(filepath.Join(root, name))
			if got := decode(t, c, w.Body.Bytes()); got != string(want) {
				t.Errorf("%s %s: decoded %d bytes; want %d", name, c, len(got), len(want))
			}
			if !strings.HasSuffix(w.Header().Get("ETag"), "-"+c+`"`) {
				t.Errorf("%s %s: ETag = %s; want a -%s suffix", name, c, w.Header().Get("ETag"), c)
			}
		}
	}
}

func TestMultipartRanges(t *testing.T) {
	root, _ := newFixture(t)
	for _, h := range []*static.Handler{{Root: root}, {Root: root, MaxMemoryFile: -1}} {
		for _, tt := range []struct {
			path   string
			body   []byte
			ranges string
			parts  [][2]int
		}{
			{"/hello.txt", []byte(helloTXT), "bytes=0-1,-2", [][2]int{{0, 2}, {11, 13}}},
			{"/large.bin", largeBin, "bytes=100-199, 5000-5000, 204700-", [][2]int{{100, 200}, {5000, 5001}, {204700, 204800}}},
			{"/large.bin", largeBin, "bytes=5000-5000,100-199,150-250", [][2]int{{100, 251}, {5000, 5001}}},
		} {
			w := get(h, "GET", tt.path, "Range", tt.ranges)
			if w.Code != 206 {
				t.Fatalf("%s %s: status = %d; want 206", tt.path, tt.ranges, w.Code)
			}
			if n, _ := strconv.Atoi(w.Header().Get("Content-Length")); n != w.Body.Len() {
				t.Errorf("%s %s: Content-Length = %d; body is %d bytes", tt.path, tt.ranges, n, w.Body.Len())
			}
			mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
			if err != nil || mt != "multipart/byteranges" {
				t.Fatalf("Content-Type = %q; want multipart/byteranges", w.Header().Get("Content-Type"))
			}
			mr := multipart.NewReader(w.Body, params["boundary"])
			for i, want := range tt.parts {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatalf("%s %s: part %d: %v", tt.path, tt.ranges, i, err)
				}
				cr := "bytes " + strconv.Itoa(want[0]) + "-" + strconv.Itoa(want[1]-1) + "/" + strconv.Itoa(len(tt.body))
				if got := p.Header.Get("Content-Range"); got != cr {
					t.Errorf("part %d Content-Range = %q; want %q", i, got, cr)
				}
				if got := p.Header.Get("Content-Type"); got == "" {
					t.Errorf("part %d has no Content-Type", i)
				}
				got, _ := io.ReadAll(p)
				if !bytes.Equal(got, tt.body[want[0]:want[1]]) {
					t.Errorf("part %d body = %d bytes; want bytes %d-%d", i, len(got), want[0], want[1])
				}
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Errorf("after the last part: %v; want io.EOF", err)
			}
		}
	}
}

func TestListingJSON(t *testing.T) {
	root, _ := newFixture(t)
	h := &static.Handler{Root: root, Browse: true}
	w := get(h, "GET", "/dir/", "Accept", "application/json")
	var list []struct {
		Name    string
		Size    int64
		ModTime time.Time
		IsDir   bool
		URL     string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatalf("listing is not JSON: %v: %q", err, w.Body)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Name+" "+e.URL)
	}
	want := []string{"b /dir/b/", "a.txt /dir/a.txt", "up.txt /dir/up.txt", "x<y>&.txt /dir/x%3Cy%3E&.txt"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("listing = %q; want %q", got, want)
	}
	if len(list) > 1 && (list[1].Size != 1 || !list[1].ModTime.Equal(fixedTime)) {
		t.Errorf("a.txt = %+v; want size 1 and time %v", list[1], fixedTime)
	}
}

func TestHeadMatchesGet(t *testing.T) {
	root, _ := newFixture(t)
	h := &static.Handler{Root: root, Browse: true}
	for _, tt := range [][]string{
		{"/hello.txt"}, {"/large.bin"}, {"/big.txt", "Accept-Encoding", "gzip"}, {"/style.css", "Accept-Encoding", "br"},
		{"/nope"}, {"/dir/"}, {"/docs"}, {"/hello.txt", "If-None-Match", "*"},
	} {
		g, hd := get(h, "GET", tt[0], tt[1:]...), get(h, "HEAD", tt[0], tt[1:]...)
		if g.Code != hd.Code {
			t.Errorf("%v: HEAD status = %d; GET %d", tt, hd.Code, g.Code)
		}
		if gh, hh := g.Header(), hd.Header(); !equalHeader(gh, hh) {
			t.Errorf("%v: HEAD header = %v; GET %v", tt, hh, gh)
		}
		if hd.Body.Len() != 0 {
			t.Errorf("%v: HEAD body = %d bytes; want none", tt, hd.Body.Len())
		}
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, ",") != strings.Join(b[k], ",") {
			return false
		}
	}
	return true
}

func TestNotFoundHidesHostPaths(t *testing.T) {
	root, outside := newFixture(t)
	os.Remove(filepath.Join(root, "404.html"))
	for _, h := range []*static.Handler{{Root: root}, {Root: filepath.Join(root, "missing")}} {
		for _, p := range []string{"/nope", "/escape.txt", "/../x", "/dir/", "/hello.txt/"} {
			w := get(h, "GET", p)
			if b := w.Body.String(); strings.Contains(b, root) || strings.Contains(b, outside) || strings.Contains(b, "/tmp") {
				t.Errorf("%s: body %q reveals a host path", p, b)
			}
			if w.Code < 400 {
				t.Errorf("%s: status = %d; want an error", p, w.Code)
			}
		}
	}
}
