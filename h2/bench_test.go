package h2

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkServe1K serves a 1 KiB body over loopback TLS to x/net's
// HTTP/2 client, with trio's engine and Go's. Allocations include the
// client's.
func BenchmarkServe1K(b *testing.B) {
	body := bytes.Repeat([]byte("a"), 1024)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	for _, engine := range []Engine{EngineTrio, EngineStd} {
		b.Run(string(engine), func(b *testing.B) {
			ts := newTestServer(b, mode{engine, true}, h, nil)
			c := ts.h2Client(b)
			get := func() {
				res, err := c.Get(ts.url + "/1k")
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
