package h1_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/triohttp/trio/triotest"
)

// BenchmarkServe1K fetches a 1 KiB response over loopback TLS on one
// keep-alive connection, per HTTP/1.1 engine; allocations count client and
// server together.
func BenchmarkServe1K(b *testing.B) {
	body := strings.Repeat("x", 1024)
	for _, m := range h1Modes() {
		b.Run(string(m), func(b *testing.B) {
			ts := triotest.New(b, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, body)
			}))
			get := func() {
				resp, err := ts.Client.Get(ts.URL + "/1k")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			get()
			b.ReportAllocs()
			for b.Loop() {
				get()
			}
		})
	}
}

// BenchmarkServe1KParallel is BenchmarkServe1K with requests from many
// goroutines at once, on as many connections.
func BenchmarkServe1KParallel(b *testing.B) {
	body := strings.Repeat("x", 1024)
	for _, m := range h1Modes() {
		b.Run(string(m), func(b *testing.B) {
			ts := triotest.New(b, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, body)
			}))
			ts.Client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.ReportAllocs()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := ts.Client.Get(ts.URL + "/1k")
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
