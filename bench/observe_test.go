package bench

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testserver"
	"github.com/triohttp/trio/observe"
)

// BenchmarkObserve measures what the access log and the metrics cost: a
// 1 KiB response over loopback TLS to Go's clients (net/http for h1 and
// h2, quic-go's for h3, 16 requests in flight per core), served bare
// ("off") and behind observe.Handler with a JSON access log in a file and
// observe.Metrics as the Server's Observer ("on"). Client and server share
// the process, so req/s and allocs/op count both.
//
//	go test ./bench/ -run '^$' -bench Observe -benchtime 3s
func BenchmarkObserve(b *testing.B) {
	body := bytes.Repeat([]byte("a"), 1024)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	for _, m := range []testserver.Mode{testserver.H1, testserver.H2, testserver.H3} {
		b.Run(string(m), func(b *testing.B) {
			for _, on := range []bool{false, true} {
				name := map[bool]string{false: "off", true: "on"}[on]
				b.Run(name, func(b *testing.B) { benchObserve(b, m, h, on) })
			}
		})
	}
}

func benchObserve(b *testing.B, m testserver.Mode, h http.Handler, on bool) {
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
	ts := testserver.New(b, m, h, opts...)
	if tr, ok := ts.Client.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = 256 // keep-alive for every h1 client goroutine
	}
	get := func() {
		res, err := ts.Client.Get(ts.URL + "/1k")
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := io.Copy(io.Discard, res.Body); n != 1024 {
			b.Fatalf("read %d bytes; want 1024", n)
		}
		res.Body.Close()
	}
	warmUp(get, 16*runtime.GOMAXPROCS(0)) // every client goroutine's connection, before the clock
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
}

// warmUp runs get 20 times on each of n goroutines at once, so that h1
// has the connections RunParallel's goroutines will use.
func warmUp(get func(), n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range 20 {
				get()
			}
		})
	}
	wg.Wait()
}
