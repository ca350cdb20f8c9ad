package proxy

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/triotest"
)

// TestRetryKilledUpstream: one of two upstreams is killed (listener and
// connections closed, requests in flight included) in the middle of 600
// GETs from 8 clients at once; every GET still gets its 200, from the
// other upstream. Upstreams over HTTP/1.1 and h2c.
func TestRetryKilledUpstream(t *testing.T) {
	for _, scheme := range []string{"http", "h2c"} {
		t.Run(scheme, func(t *testing.T) { testRetryKilledUpstream(t, scheme) })
	}
}

func testRetryKilledUpstream(t *testing.T, scheme string) {
	var served [2]atomic.Int64
	var urls [2]string
	var srvs [2]*http.Server
	for i := range urls {
		srvs[i] = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served[i].Add(1)
			time.Sleep(time.Millisecond) // some are in flight at the kill
			fmt.Fprintf(w, "%d %s", i, r.URL.Path)
		})}
		if scheme == "h2c" {
			srvs[i].Protocols = new(http.Protocols)
			srvs[i].Protocols.SetUnencryptedHTTP2(true)
		}
		urls[i], _ = serveUpstream(t, scheme, srvs[i])
	}
	var log testtool.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := front(t, triotest.H2, &Handler{Pool: poolOf(t, urls[:]...), Logger: logger})
	const total, workers, killAt = 600, 8, 200
	var next atomic.Int64
	var kill sync.Once
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := next.Add(1); n <= total; n = next.Add(1) {
				if n == killAt {
					kill.Do(func() { srvs[0].Close() })
				}
				path := fmt.Sprintf("/req/%d", n)
				res, err := ts.Client.Get(ts.URL + path)
				if err != nil {
					t.Errorf("GET %s: %v", path, err)
					failed.Add(1)
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || !strings.HasSuffix(string(b), " "+path) {
					t.Errorf("GET %s: %d %q %v; want 200 from an upstream", path, res.StatusCode, b, err)
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	a, b := served[0].Load(), served[1].Load()
	retries := strings.Count(log.String(), "retrying on another upstream")
	t.Logf("upstream 0 served %d, upstream 1 %d; %d retried, %d failed", a, b, retries, failed.Load())
	if retries == 0 {
		t.Error("no request was retried; the kill came too late to test anything")
	}
	if a == 0 || a >= total/2 {
		t.Errorf("upstream 0 served %d; want some, then none after it was killed", a)
	}
	if a+b < total {
		t.Errorf("upstreams served %d of %d", a+b, total)
	}
}

// TestRetryOnlyReplayable: an upstream that reads each request and closes
// the connection without responding gets its GETs retried on the other
// upstream, but not its POSTs with a body, which get 502.
func TestRetryOnlyReplayable(t *testing.T) {
	var gets, posts atomic.Int64
	bad := rawUpstream(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		map[string]*atomic.Int64{"GET": &gets, "POST": &posts}[req.Method].Add(1)
	})
	good, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("good"))
	}))
	var log testtool.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, bad, good), Logger: logger})
	var status502 int64
	for i := range 6 {
		res := do(t, ts, newRequest(t, "GET", ts.URL+"/", nil))
		if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 || string(b) != "good" {
			t.Errorf("GET %d: %d %q; want 200 from the good upstream", i, res.StatusCode, b)
		}
		res = do(t, ts, newRequest(t, "POST", ts.URL+"/", strings.NewReader("once")))
		io.ReadAll(res.Body)
		if res.StatusCode == 502 {
			status502++
		} else if res.StatusCode != 200 {
			t.Errorf("POST %d: %d; want 200 or 502", i, res.StatusCode)
		}
	}
	if gets.Load() == 0 {
		t.Error("no GET went to the bad upstream first; the retry was not tested")
	}
	if p := posts.Load(); p == 0 || p != status502 {
		t.Errorf("bad upstream got %d POSTs, client got %d 502s; want as many, and some", p, status502)
	}
	if n := strings.Count(log.String(), `retrying on another upstream" method=POST`); n > 0 {
		t.Errorf("%d POSTs were retried; want none", n)
	}
	if n := strings.Count(log.String(), `retrying on another upstream" method=GET`); n != int(gets.Load()) {
		t.Errorf("%d GETs were retried; want the %d the bad upstream closed", n, gets.Load())
	}
}
