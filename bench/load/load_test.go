package load

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// counter is a handler that counts requests by r.Proto and answers 500 on
// /fail and 4 KiB otherwise.
type counter struct {
	mu     sync.Mutex
	protos map[string]int
}

const bodySize = 4 << 10

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.protos[r.Proto]++
	c.mu.Unlock()
	if r.URL.Path == "/fail" {
		http.Error(w, "fail", http.StatusInternalServerError)
		return
	}
	if r.Header.Get("Accept-Encoding") != "" {
		http.Error(w, "load must not ask for compression", http.StatusBadRequest)
		return
	}
	w.Write(make([]byte, bodySize))
}

// modes are the testserver modes each protocol is checked in.
var modes = map[triotest.Mode]Proto{triotest.H1: H1, triotest.H2: H2, triotest.H2C: H2, triotest.H3: H3}

func start(t *testing.T, m triotest.Mode) (*triotest.TS, *counter, Options) {
	c := &counter{protos: map[string]int{}}
	ts := triotest.New(t, m, c)
	o := Options{URL: ts.URL + "/", Proto: modes[m.Base()], Conns: 2, Streams: 4, Duration: 20 * time.Second}
	if m.TLS() {
		o.RootCAs = ts.ClientTLS().RootCAs
	}
	return ts, c, o
}

func TestRunCounts(t *testing.T) {
	for m := range modes {
		t.Run(string(m), func(t *testing.T) {
			_, c, o := start(t, m)
			o.Requests = 300
			res, err := Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 300 || res.Failed != 0 || res.ErrorCount() != 0 {
				t.Fatalf("requests %d, failed %d, errors %v; want 300, 0, none", res.Requests, res.Failed, res.Errors)
			}
			if res.Bytes != 300*bodySize {
				t.Errorf("Bytes = %d; want %d", res.Bytes, 300*bodySize)
			}
			want := m.Proto()
			if c.protos[want] != 300 || len(c.protos) != 1 {
				t.Errorf("server saw %v; want %d x %s", c.protos, 300, want)
			}
			if res.Protos[want] != 300 || len(res.Protos) != 1 {
				t.Errorf("client saw %v; want %d x %s", res.Protos, 300, want)
			}
			if n := res.Latency.Count(); n != 300 {
				t.Errorf("Latency.Count = %d; want 300", n)
			}
			checkOrdered(t, res)
		})
	}
}

func checkOrdered(t *testing.T, res *Result) {
	t.Helper()
	h := &res.Latency
	p50, p90, p99, mx := h.Quantile(0.5), h.Quantile(0.9), h.Quantile(0.99), h.Max()
	if !(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= mx) {
		t.Errorf("latency p50 %v p90 %v p99 %v max %v; want 0 < p50 <= p90 <= p99 <= max", p50, p90, p99, mx)
	}
}

func TestRunStatusErrors(t *testing.T) {
	for m := range modes {
		t.Run(string(m), func(t *testing.T) {
			ts, _, o := start(t, m)
			o.URL, o.Requests = ts.URL+"/fail", 50
			res, err := Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 50 || res.Failed != 0 || res.Errors["status 500"] != 50 || res.ErrorCount() != 50 {
				t.Errorf("requests %d, failed %d, errors %v; want 50 complete, all status 500", res.Requests, res.Failed, res.Errors)
			}
		})
	}
}

// TestRunRefused loads a port nothing listens on: every attempt fails and
// is counted, and the run still stops by itself.
func TestRunRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, p := range []Proto{H1, H2} {
		t.Run(string(p), func(t *testing.T) {
			res, err := Run(t.Context(), Options{URL: "https://" + addr + "/", Proto: p, Conns: 2, Requests: 20, Duration: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 0 || res.Failed != 20 || res.Errors[ErrRefused] != 20 {
				t.Errorf("requests %d, failed %d, errors %v; want 0, 20, 20 refused", res.Requests, res.Failed, res.Errors)
			}
		})
	}
}

// TestRunServerGone shuts the server down mid-run: the run ends on time,
// with what it completed counted and the failures counted as errors.
func TestRunServerGone(t *testing.T) {
	ts, c, o := start(t, triotest.H1)
	o.Duration = 1500 * time.Millisecond
	go func() {
		time.Sleep(300 * time.Millisecond)
		ts.Server.Close()
	}()
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Failed == 0 {
		t.Errorf("requests %d, failed %d (%v); want some of each", res.Requests, res.Failed, res.Errors)
	}
	c.mu.Lock()
	served := c.protos["HTTP/1.1"]
	c.mu.Unlock()
	if int64(served) < res.Requests {
		t.Errorf("server served %d; client counted %d complete", served, res.Requests)
	}
	if res.Elapsed > 5*time.Second {
		t.Errorf("Elapsed = %v; want about the 1.5s duration", res.Elapsed)
	}
}

func TestRunDuration(t *testing.T) {
	_, _, o := start(t, triotest.H1)
	o.Duration = 300 * time.Millisecond
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Failed != 0 {
		t.Errorf("requests %d, failed %d (%v); want some, none failed", res.Requests, res.Failed, res.Errors)
	}
	// The run stops by itself once Duration is up. (No lower bound: Elapsed
	// starts at the first request, a moment after the deadline was set.)
	if res.Elapsed > o.Duration+2*time.Second {
		t.Errorf("Elapsed = %v; want the run to stop soon after %v", res.Elapsed, o.Duration)
	}
	var j map[string]any
	if b, err := json.Marshal(res); err != nil || json.Unmarshal(b, &j) != nil || j["requests"].(float64) != float64(res.Requests) {
		t.Errorf("JSON = %s, %v; want an object with requests %d", b, err, res.Requests)
	}
	if s := res.String(); !strings.Contains(s, "p99") || !strings.Contains(s, "HTTP/1.1") {
		t.Errorf("String = %q; want latencies and the protocol", s)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{URL: "ftp://x/"},
		{URL: "http://127.0.0.1:1/", Proto: H3},
		{URL: "https://127.0.0.1:1/", Proto: "h9"},
		{URL: "https://127.0.0.1:1/", Conns: -1},
		{URL: "https://127.0.0.1:1/", CAFile: "/nonexistent"},
	} {
		if _, err := Run(t.Context(), o); err == nil {
			t.Errorf("Run(%+v) = nil error; want one", o)
		}
	}
}
