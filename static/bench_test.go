package static_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triohttp/trio/static"
)

// benchServe GETs name from a loopback HTTP/1.1 server (sendfile for files
// on disk) and reports allocations per request, client included.
func benchServe(b *testing.B, size int, hdr ...string) {
	root := b.TempDir()
	body := []byte(strings.Repeat("0123456789abcdef", size/16+1)[:size])
	if err := os.WriteFile(filepath.Join(root, "f.txt"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(&static.Handler{Root: root})
	defer ts.Close()
	c := ts.Client()
	req, _ := http.NewRequest("GET", ts.URL+"/f.txt", nil)
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 && res.StatusCode != 206 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

func BenchmarkServe1K(b *testing.B)       { benchServe(b, 1<<10) }
func BenchmarkServe100K(b *testing.B)     { benchServe(b, 100<<10) }
func BenchmarkServe10M(b *testing.B)      { benchServe(b, 10<<20) }
func BenchmarkServe100KGzip(b *testing.B) { benchServe(b, 100<<10, "Accept-Encoding", "gzip") }
func BenchmarkServe100KRange(b *testing.B) {
	benchServe(b, 100<<10, "Range", "bytes=1000-50999")
}

// benchHandler measures the handler alone, with a recorder that discards.
func benchHandler(b *testing.B, size int) {
	root := b.TempDir()
	os.WriteFile(filepath.Join(root, "f.txt"), make([]byte, size), 0o644)
	h := &static.Handler{Root: root}
	req := httptest.NewRequest("GET", "/f.txt", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func BenchmarkHandler1K(b *testing.B)   { benchHandler(b, 1<<10) }
func BenchmarkHandler100K(b *testing.B) { benchHandler(b, 100<<10) }

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeTLS is the pooled-buffer copy path: HTTP/1.1 over TLS.
func BenchmarkServeTLS100K(b *testing.B) {
	root := b.TempDir()
	os.WriteFile(filepath.Join(root, "f.bin"), make([]byte, 100<<10), 0o644)
	ts := httptest.NewTLSServer(&static.Handler{Root: root})
	defer ts.Close()
	c := ts.Client()
	b.ReportAllocs()
	b.SetBytes(100 << 10)
	for b.Loop() {
		res, err := c.Get(ts.URL + "/f.bin")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
