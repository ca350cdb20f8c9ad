package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// bytePattern is an endless reader of a repeating byte pattern.
type bytePattern struct{ off int }

func (p *bytePattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.off % 251)
		p.off++
	}
	return len(b), nil
}

// heapPeak samples the process's heap in use every 10 ms until stop is
// called, which returns the largest sample.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-ended
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// TestLargeTransfer: 1 GiB up and 1 GiB down through the proxy with the
// client over h2, 256 MiB over h1 and h3, to keep the package's tests
// within a minute (64 MiB each with -short), upstream over HTTP/1.1, with the heap of the whole test process
// (client, proxy and upstream together) under 64 MiB: nothing is held
// whole.
func TestLargeTransfer(t *testing.T) {
	for _, m := range []triotest.Mode{triotest.H2, triotest.H1, triotest.H3} {
		size := int64(1 << 30)
		if m != triotest.H2 {
			size = 256 << 20
		}
		if testing.Short() {
			size = 64 << 20
		}
		t.Run(string(m), func(t *testing.T) { testLargeTransfer(t, m, size) })
	}
}

func testLargeTransfer(t *testing.T, m triotest.Mode, size int64) {
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "PUT" {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprint(w, n)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		io.CopyN(w, &bytePattern{}, size)
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	const limit = 64 << 20

	t.Run("upload", func(t *testing.T) {
		stop := heapPeak()
		start := time.Now()
		req := newRequest(t, "PUT", ts.URL+"/up", io.LimitReader(&bytePattern{}, size))
		req.ContentLength = size
		res := do(t, ts, req)
		b, err := io.ReadAll(res.Body)
		elapsed, peak := time.Since(start), stop()
		if err != nil || string(b) != strconv.FormatInt(size, 10) {
			t.Fatalf("upstream answered %d %q %v; want the %d bytes counted", res.StatusCode, b, err, size)
		}
		t.Logf("%d MiB up in %v (%.0f MiB/s), heap in use at most %.1f MiB", size>>20, elapsed.Round(time.Millisecond), float64(size>>20)/elapsed.Seconds(), float64(peak)/(1<<20))
		if peak > limit {
			t.Errorf("heap in use reached %.1f MiB; want under 64 MiB", float64(peak)/(1<<20))
		}
	})
	t.Run("download", func(t *testing.T) {
		stop := heapPeak()
		start := time.Now()
		res := do(t, ts, newRequest(t, "GET", ts.URL+"/down", nil))
		n, err := io.Copy(io.Discard, res.Body)
		elapsed, peak := time.Since(start), stop()
		if err != nil || n != size {
			t.Fatalf("read %d bytes, %v; want %d", n, err, size)
		}
		t.Logf("%d MiB down in %v (%.0f MiB/s), heap in use at most %.1f MiB", size>>20, elapsed.Round(time.Millisecond), float64(size>>20)/elapsed.Seconds(), float64(peak)/(1<<20))
		if peak > limit {
			t.Errorf("heap in use reached %.1f MiB; want under 64 MiB", float64(peak)/(1<<20))
		}
	})
}

// TestClientLeaves: a client that stops reading a download and leaves
// ends the upstream's request too (its connection is closed), on every
// mode, and the pool counts the request ended, as no failure.
func TestClientLeaves(t *testing.T) { triotest.Run(t, testClientLeaves) }

func testClientLeaves(t *testing.T, m triotest.Mode) {
	upstreamDone := make(chan error, 1)
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		_, err := io.CopyN(w, &bytePattern{}, 1<<30)
		upstreamDone <- err
	}))
	p, err := NewPool(PoolConfig{Passive: PassiveCheck{Failures: 1}}, up) // one failure marks it down
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ts := front(t, m, &Handler{Pool: p})
	ctx, cancel := context.WithCancel(context.Background())
	req := newRequest(t, "GET", ts.URL+"/", nil).WithContext(ctx)
	res := do(t, ts, req)
	if _, err := io.CopyN(io.Discard, res.Body, 1<<20); err != nil {
		t.Fatalf("reading the first MiB: %v", err)
	}
	cancel()
	select {
	case err := <-upstreamDone:
		if err == nil {
			t.Error("the upstream wrote its whole GiB; want its write to fail once the client left")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream still writes 5 s after the client left")
	}
	u := p.Upstreams()[0]
	deadline := time.Now().Add(2 * time.Second)
	for u.Requests() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := u.Requests(); n != 0 || u.State() != Healthy {
		t.Errorf("upstream %v with %d in flight; want healthy with none", u.State(), n)
	}
}
