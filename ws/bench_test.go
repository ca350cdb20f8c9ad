package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testserver"
	"github.com/triohttp/trio/ws"
)

// BenchmarkEcho measures echo round trips of a 64-byte and a 16 KiB binary
// message per protocol: ns/op is one round trip; p99-ns is the 99th
// percentile.
func BenchmarkEcho(b *testing.B) {
	for _, m := range []testserver.Mode{testserver.H1, testserver.H2, testserver.H2C, testserver.H3} {
		for _, size := range []int{64, 16 << 10} {
			b.Run(fmt.Sprintf("%s/%d", m, size), func(b *testing.B) {
				ts := testserver.New(b, m, echo(nil))
				c := dial(b, ts, "/", nil)
				msg := make([]byte, size)
				lat := make([]time.Duration, 0, 1<<16)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					t0 := time.Now()
					if err := c.WriteMessage(ws.MessageBinary, msg); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(); err != nil {
						b.Fatal(err)
					}
					if len(lat) < cap(lat) {
						lat = append(lat, time.Since(t0))
					}
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
				c.Close(ws.StatusNormalClosure, "")
			})
		}
	}
}

// BenchmarkIdleConns measures the memory of idle WebSocket connections:
// both ends live in this process, so bytes/conn counts the server's and
// the client's side together. The count is -benchtime's N capped at
// 10,000, e.g. -bench=IdleConns -benchtime=10000x (needs ulimit -n
// above 20,000 for HTTP/1.1).
func BenchmarkIdleConns(b *testing.B) {
	for _, m := range []testserver.Mode{testserver.H1, testserver.H2, testserver.H3} {
		b.Run(string(m), func(b *testing.B) {
			n := min(b.N, 10000)
			b.StopTimer()
			hold := make(chan struct{})
			ts := testserver.New(b, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := ws.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer c.CloseNow()
				c.ReadMessage() // idle until the client closes
				<-hold
			}))
			defer close(hold)
			u, o := wsURL(b, ts, "/", nil)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			conns := make([]*ws.Conn, 0, n)
			for range n {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c, _, err := ws.Dial(ctx, u, o)
				cancel()
				if err != nil {
					b.Fatalf("after %d connections: %v", len(conns), err)
				}
				conns = append(conns, c)
			}
			time.Sleep(100 * time.Millisecond)
			runtime.GC()
			runtime.ReadMemStats(&after)
			per := float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / float64(n)
			b.ReportMetric(per, "bytes/conn")
			b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(n), "goroutines/conn")
			for _, c := range conns {
				c.CloseNow()
			}
		})
	}
}
