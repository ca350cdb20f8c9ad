package h2

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
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

// BenchmarkH2load1K serves the same 1 KiB body to nghttp2's h2load (8
// connections, 32 streams each, over TLS): the client runs outside the
// process, so time and allocations are the server's alone.
func BenchmarkH2load1K(b *testing.B) { benchH2load(b, 1<<10, 8, 32, false) }

// BenchmarkH2load100K serves 100 KiB bodies to h2load (4 connections, 8
// streams each).
func BenchmarkH2load100K(b *testing.B) { benchH2load(b, 100<<10, 4, 8, true) }

// BenchmarkH2load10M serves 10 MiB bodies to h2load (2 connections, 2
// streams each).
func BenchmarkH2load10M(b *testing.B) { benchH2load(b, 10<<20, 2, 2, true) }

// benchH2load serves a body of size bytes to h2load over TLS, with conns
// connections of streams concurrent streams; with perOp, b.N is the
// number of requests (so MB/s is the server's throughput).
func benchH2load(b *testing.B, size, conns, streams int, perOp bool) {
	bin, err := exec.LookPath("h2load")
	if err != nil {
		b.Skip("h2load not installed")
	}
	body := bytes.Repeat([]byte("a"), size)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	for _, engine := range []Engine{EngineTrio, EngineStd} {
		b.Run(string(engine), func(b *testing.B) {
			ts := newTestServer(b, mode{engine, true}, h, nil)
			n := max(b.N, 1000)
			if perOp {
				n = max(b.N, conns)
				b.SetBytes(int64(size))
			}
			b.ReportAllocs()
			b.ResetTimer()
			out, err := exec.Command(bin, "-n", strconv.Itoa(n), "-c", strconv.Itoa(conns),
				"-m", strconv.Itoa(streams), "-t", "1", ts.url+"/").CombinedOutput()
			b.StopTimer()
			if err != nil || !strings.Contains(string(out), fmt.Sprintf("%d succeeded", n)) {
				b.Fatalf("h2load: %v\n%s", err, out)
			}
			if m := regexp.MustCompile(`finished in \S+, ([\d.]+) req/s`).FindSubmatch(out); m != nil {
				rps, _ := strconv.ParseFloat(string(m[1]), 64)
				b.ReportMetric(rps, "req/s")
			}
		})
	}
}
