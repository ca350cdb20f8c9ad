package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// BenchmarkEcho measures echo round trips of a 64-byte and a 16 KiB binary
// message per protocol: ns/op is one round trip; p99-ns is the 99th
// percentile.
func BenchmarkEcho(b *testing.B) {
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H2C, triotest.H3} {
		for _, size := range []int{64, 16 << 10} {
			b.Run(fmt.Sprintf("%s/%d", m, size), func(b *testing.B) {
				ts := triotest.New(b, m, echo(nil))
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

// idleConns is how many WebSockets each op of BenchmarkIdleConns opens.
const idleConns = 1000

// BenchmarkIdleConns measures idle WebSockets with client and server in
// this one process: bytes/conn is the Go heap and stacks in use per
// WebSocket, both ends together, and goroutines/conn both ends' goroutines.
// ws.Dial opens a connection per WebSocket, so over h2 and h3 each carries
// one stream and its own connection state on both ends.
// Each op opens idleConns WebSockets, measures, closes them and waits for
// the handlers to return, so b.N only repeats the batch; ns/op is not
// reported. The server alone, by RSS at 10,000 WebSockets, is what
// bench/run.sh measures with bench/wsidle.
func BenchmarkIdleConns(b *testing.B) {
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
		b.Run(string(m), func(b *testing.B) {
			var live atomic.Int64 // handlers running
			ts := triotest.New(b, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := ws.Accept(w, r, nil)
				if err != nil {
					return
				}
				live.Add(1)
				defer live.Add(-1)
				defer c.CloseNow()
				c.ReadMessage() // idle until the client closes
			}), func(s *trio.Server) { s.Limits.MaxConnsPerIP = -1 }) // idleConns from one address
			u, o := wsURL(b, ts, "/", nil)
			var bytes, goroutines float64
			ops := 0
			for b.Loop() {
				by, g := idleBatch(b, u, o, &live)
				bytes, goroutines, ops = bytes+by, goroutines+g, ops+1
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(bytes/float64(ops), "bytes/conn")
			b.ReportMetric(goroutines/float64(ops), "goroutines/conn")
		})
	}
}

// idleBatch opens idleConns WebSockets to u, returns the heap and stack
// bytes and goroutines per WebSocket, closes them and waits until the
// server's handlers have returned.
func idleBatch(b *testing.B, u string, o *ws.DialOptions, live *atomic.Int64) (bytes, goroutines float64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	conns := make([]*ws.Conn, 0, idleConns)
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
		for deadline := time.Now().Add(10 * time.Second); live.Load() > 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("%d handlers still running 10s after their clients closed", live.Load())
			}
		}
	}()
	for range idleConns {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, _, err := ws.Dial(ctx, u, o)
		cancel()
		if err != nil {
			b.Fatalf("after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	for deadline := time.Now().Add(5 * time.Second); live.Load() < idleConns && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the last handlers are still starting
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	bytes = float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / idleConns
	return bytes, float64(runtime.NumGoroutine()-g0) / idleConns
}
