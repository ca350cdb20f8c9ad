package proxy

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/triohttp/trio/internal/testserver"
)

// BenchmarkProxy: 1 KiB GETs through the proxy to an HTTP/1.1 upstream,
// from parallel clients over h1, h2 and h3.
func BenchmarkProxy(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	up, _ := upstreamH1(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	for _, m := range []testserver.Mode{testserver.H1, testserver.H2, testserver.H3} {
		b.Run(string(m), func(b *testing.B) {
			ts := front(b, m, &Handler{Pool: poolOf(b, up)})
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := ts.Client.Get(ts.URL + "/")
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if n != 1024 {
						b.Errorf("read %d bytes; want 1024", n)
						return
					}
				}
			})
		})
	}
}
