package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

// BenchmarkHandlerH1: the Handler alone, called as the h1 engine calls
// it, for 1 KiB GETs to an HTTP/1.1 upstream that answers as
// bench/proxy/backend does (one read and one write a request), the
// response going to a ResponseWriter that keeps nothing. Of allocs/op,
// three are the harness's (the request's context, its cancel func, the
// request): the rest are the proxy's.
func BenchmarkHandlerH1(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\n"+
		"Date: Mon, 07 Dec 2026 19:00:00 GMT\r\n\r\n"), body...)
	up := rawUpstream(b, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
			}
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
	})
	h := &Handler{Pool: poolOf(b, up), Transport: newTransport(b)}
	in := httptest.NewRequest("GET", "https://localhost:9443/1k.bin", nil)
	in.RemoteAddr = "127.0.0.1:50000"
	b.ReportAllocs()
	b.SetParallelism(64) // as many requests in flight as bench/proxy.sh's wrk
	start := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: make(http.Header)}
		for pb.Next() {
			ctx, cancel := context.WithCancel(context.Background())
			r := in.WithContext(ctx)
			clear(w.h)
			w.n = 0
			h.ServeHTTP(w, r)
			cancel()
			if w.code != 200 || w.n != 1024 {
				b.Errorf("status %d, %d bytes; want 200, 1024", w.code, w.n)
				return
			}
		}
	})
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// A discardWriter is an http.ResponseWriter that counts the body and
// keeps nothing.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header  { return w.h }
func (w *discardWriter) WriteHeader(code int) { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	w.n += len(p)
	return len(p), nil
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
