package h1_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
)

// BenchmarkUpload16M uploads 16 MiB over loopback TLS to a handler that
// discards it, with BodyTimeout on (a deadline set on each body Read) and
// off: the cost of the body read timeout on a large upload.
func BenchmarkUpload16M(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 16<<20)
	for _, tt := range []struct {
		name    string
		timeout time.Duration
	}{{"timeout=60s", 0}, {"timeout=none", -1}} {
		b.Run(tt.name, func(b *testing.B) {
			ts := triotest.New(b, triotest.H1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
			}), func(s *trio.Server) { s.H1.BodyTimeout = tt.timeout })
			post := func() {
				resp, err := ts.Client.Post(ts.URL, "application/octet-stream", bytes.NewReader(payload))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			post()
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				post()
			}
		})
	}
}
