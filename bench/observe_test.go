package bench

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/triotest"
)

// The benchmarks below measure what the access log and the metrics cost:
// a 1 KiB response over loopback TLS to Go's clients (net/http for h1 and
// h2, quic-go's for h3, 16 requests in flight per core), served bare
// ("off") and behind observe.Handler with a JSON access log in a file and
// observe.Metrics as the Server's Observer ("on"). Client and server share
// the process, so req/s and allocs/op count both.
//
//	go test ./bench/ -run '^$' -bench Observe -benchtime 2s
//
// BenchmarkObserve runs off and on one after the other; on a machine whose
// other load changes, BenchmarkObservePaired is the fairer comparison: it
// alternates the two servers every 500 requests and reports both rates,
// next to the same for two off servers.

var benchModes = []triotest.Mode{triotest.H1, triotest.H2, triotest.H3}

func BenchmarkObserve(b *testing.B) {
	for _, m := range benchModes {
		b.Run(string(m), func(b *testing.B) {
			for _, on := range []bool{false, true} {
				b.Run(onOff(on), func(b *testing.B) {
					get := startBench(b, m, on)
					b.ReportAllocs()
					b.SetParallelism(16)
					start := time.Now()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							get()
						}
					})
					b.StopTimer()
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
				})
			}
		})
	}
}

// BenchmarkObservePaired serves b.N requests per protocol from two
// servers running side by side, alternating between them every 500
// requests (ABBA), and reports each one's rate and their ratio: "on"
// pairs an off server with an on one, "control" two off servers, whose
// ratio shows how far the machine's noise alone moves it.
func BenchmarkObservePaired(b *testing.B) {
	for _, m := range benchModes {
		b.Run(string(m), func(b *testing.B) {
			for _, second := range []string{"on", "control"} {
				b.Run(second, func(b *testing.B) {
					benchPaired(b, startBench(b, m, false), startBench(b, m, second == "on"))
				})
			}
		})
	}
}

func benchPaired(b *testing.B, first, second func()) {
	gets := [2]func(){first, second}
	var n [2]int
	var d [2]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; n[0]+n[1] < b.N; i++ {
		j := [4]int{0, 1, 1, 0}[i%4] // ABBA: what one slice leaves (garbage, idle goroutines) falls on both alike
		k := min(500, b.N-n[0]-n[1])
		start := time.Now()
		runConcurrent(gets[j], k, 16*runtime.GOMAXPROCS(0))
		d[j] += time.Since(start)
		n[j] += k
	}
	b.StopTimer()
	if n[1] == 0 {
		return // b.N of 1: nothing to compare
	}
	r0, r1 := float64(n[0])/d[0].Seconds(), float64(n[1])/d[1].Seconds()
	b.ReportMetric(r0, "first-req/s")
	b.ReportMetric(r1, "second-req/s")
	b.ReportMetric(r1/r0, "second/first")
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// startBench starts a server in mode m serving 1 KiB, observed or not,
// warms its client's connections up, and returns a function that GETs
// the body once.
func startBench(b *testing.B, m triotest.Mode, on bool) func() {
	b.Helper()
	body := bytes.Repeat([]byte("a"), 1024)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	var opts []func(*trio.Server)
	if on {
		log, err := observe.OpenAccessLog(filepath.Join(b.TempDir(), "access.log"), "json")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { log.Close() }) // after the server's shutdown
		met := observe.NewMetrics()
		h = observe.Handler(h, log, met)
		opts = append(opts, func(s *trio.Server) { s.Observer = met })
	}
	ts := triotest.New(b, m, h, opts...)
	if tr, ok := ts.Client.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = 256 // keep-alive for every h1 client goroutine
	}
	var failed atomic.Pointer[string]
	get := func() {
		res, err := ts.Client.Get(ts.URL + "/1k")
		if err != nil {
			msg := err.Error()
			failed.CompareAndSwap(nil, &msg)
			return
		}
		if n, _ := io.Copy(io.Discard, res.Body); n != 1024 {
			msg := "short body"
			failed.CompareAndSwap(nil, &msg)
		}
		res.Body.Close()
	}
	runConcurrent(get, 20*16*runtime.GOMAXPROCS(0), 16*runtime.GOMAXPROCS(0)) // connections for every client goroutine
	b.Cleanup(func() {
		if msg := failed.Load(); msg != nil {
			b.Errorf("GET failed: %s", *msg)
		}
	})
	return get
}

// runConcurrent calls f n times on c goroutines.
func runConcurrent(f func(), n, c int) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for range min(c, n) {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				f()
			}
		})
	}
	wg.Wait()
}
