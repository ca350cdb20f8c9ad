package h2

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestStress mixes uploads, downloads and client cancellations over
// several connections, to shake out races and deadlocks (run with -race).
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ts := newTestServer(t, mode{EngineTrio, true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int64
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		io.Copy(io.Discard, r.Body)
		chunk := bytes.Repeat([]byte("z"), 7000)
		for n > 0 {
			k := min(n, int64(len(chunk)))
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			n -= k
			if n%3 == 0 {
				w.(http.Flusher).Flush()
			}
		}
	}), &Config{MaxConcurrentStreams: 20})
	var wg sync.WaitGroup
	for c := range 4 {
		client := ts.h2Client(t)
		for g := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(c), uint64(g)))
				for range 15 {
					n := rng.IntN(300_000)
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+rng.IntN(200))*time.Millisecond)
					if rng.IntN(3) > 0 {
						cancel()
						ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
					}
					req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/?n=%d", ts.url, n), bytes.NewReader(make([]byte, rng.IntN(100_000))))
					res, err := client.Do(req)
					if err == nil {
						got, err := io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if err == nil && got != int64(n) {
							t.Errorf("read %d bytes; want %d", got, n)
						}
					}
					cancel()
				}
			}()
		}
	}
	wg.Wait()
}
