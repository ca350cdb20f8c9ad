package h3_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/triohttp/trio/h3"
)

// BenchmarkServe1K serves a 1 KiB body over loopback QUIC to quic-go's
// HTTP/3 client, with trio's engine and quic-go's. Allocations include
// the client's and QUIC's.
func BenchmarkServe1K(b *testing.B) {
	body := bytes.Repeat([]byte("a"), 1024)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	for _, e := range engines {
		b.Run(string(e), func(b *testing.B) {
			ts := newTestServer(b, e, h, h3.Config{})
			get := func() {
				res, err := ts.client.Get(ts.url + "/1k")
				if err != nil {
					b.Fatal(err)
				}
				if n, _ := io.Copy(io.Discard, res.Body); n != 1024 {
					b.Fatalf("read %d bytes; want 1024", n)
				}
				res.Body.Close()
			}
			get()
			b.ReportAllocs()
			b.SetParallelism(16) // many concurrent streams on one connection
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get()
				}
			})
		})
	}
}
