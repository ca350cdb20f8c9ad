package proxy

import (
	"bytes"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// BenchmarkProxy: 1 KiB GETs through the proxy to an HTTP/1.1 upstream,
// from parallel clients over h1, h2 and h3.
func BenchmarkProxy(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	up, _ := upstreamH1(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
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

// BenchmarkUpstreamH1: the upstream leg alone, 1 KiB GETs from parallel
// callers to an HTTP/1.1 upstream, through the Transport's own client
// ("trio") and through net/http's Transport as the proxy used it before
// ("net-http"), so the two can be compared in one process. Besides ns/op
// it reports the process's CPU time per request (cpu-ns/op), which the
// upstream server's share inflates equally for both.
func BenchmarkUpstreamH1(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	up, _ := upstreamH1(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	tr := newTransport(b)
	tr.init()
	std := &http.Transport{MaxIdleConnsPerHost: 512, DisableCompression: true, ExpectContinueTimeout: time.Second}
	b.Cleanup(std.CloseIdleConnections)
	for _, rt := range []struct {
		name string
		rt   http.RoundTripper
	}{{"trio", tr.h1c}, {"net-http", std}} {
		b.Run(rt.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", up+"/", nil)
					res, err := rt.rt.RoundTrip(req)
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
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
