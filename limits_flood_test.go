package trio_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testserver"
)

// raiseFDLimit raises RLIMIT_NOFILE for the test to at least n (the
// client and server ends of every connection count): to n above the hard
// limit if the process may, else to the hard limit; it skips the test if
// that is below n.
func raiseFDLimit(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if old.Cur >= n {
		return
	}
	r := syscall.Rlimit{Cur: n, Max: max(old.Max, n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		if old.Max < n {
			t.Skipf("RLIMIT_NOFILE: need %d, hard limit %d, cannot raise it: %v", n, old.Max, err)
		}
		r = syscall.Rlimit{Cur: old.Max, Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			t.Skipf("RLIMIT_NOFILE: raising %d to %d: %v", old.Cur, old.Max, err)
		}
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// A flood holds idle TLS connections (handshake done, nothing sent, as
// the attacker) from the flooder address.
type flood struct {
	mu       sync.Mutex
	held     []*tls.Conn
	refused  atomic.Int64
	otherErr atomic.Int64
	firstErr atomic.Value // error
}

// run makes n connection attempts with 64 at a time, within d.
func (f *flood) run(t *testing.T, ts *testserver.TS, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				tc, err := handshakeFrom(t, ts, flooder)
				switch {
				case err == nil:
					f.mu.Lock()
					f.held = append(f.held, tc)
					f.mu.Unlock()
				case refused(err):
					f.refused.Add(1)
				default:
					f.otherErr.Add(1)
					f.firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if time.Now().After(deadline) {
		t.Fatalf("flood of %d took over %v", n, d)
	}
	if n := f.otherErr.Load(); n > 0 {
		t.Fatalf("%d flood connections failed otherwise than refused, first: %v", n, f.firstErr.Load())
	}
}

func (f *flood) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.held {
		c.Close()
	}
}

// serveAll has a new client (127.0.0.1, fresh connections) GET a page over
// h1, h2 and h3, failing the test unless each is served; it returns the
// time each took.
func serveAll(t *testing.T, ts *testserver.TS) map[string]time.Duration {
	t.Helper()
	took := map[string]time.Duration{}
	h1 := &http.Transport{TLSClientConfig: ts.ClientTLS("http/1.1")}
	h2 := &http.Transport{TLSClientConfig: ts.ClientTLS("h2"), ForceAttemptHTTP2: true}
	h2.Protocols = new(http.Protocols)
	h2.Protocols.SetHTTP2(true)
	h3 := &http3.Transport{TLSClientConfig: ts.ClientTLS()}
	defer h1.CloseIdleConnections()
	defer h2.CloseIdleConnections()
	defer h3.Close()
	tlsURL := "https://" + ts.TLSAddr().String()
	quicURL := "https://" + ts.Addrs.QUIC[0].LocalAddr().String()
	for _, c := range []struct {
		name, url, proto string
		rt               http.RoundTripper
	}{
		{"h1", tlsURL, "HTTP/1.1", h1},
		{"h2", tlsURL, "HTTP/2.0", h2},
		{"h3", quicURL, "HTTP/3.0", h3},
	} {
		start := time.Now()
		cl := &http.Client{Transport: c.rt, Timeout: 10 * time.Second}
		resp, err := cl.Get(c.url + "/new-client")
		if err != nil {
			t.Errorf("new client over %s: %v", c.name, err)
			continue
		}
		resp.Body.Close()
		took[c.name] = time.Since(start)
		if resp.StatusCode != http.StatusOK || resp.Proto != c.proto {
			t.Errorf("new client over %s: %s %s; want 200 over %s", c.name, resp.Proto, resp.Status, c.proto)
		}
	}
	return took
}

// TestConnFlood is the reproduction: 20,000 idle TLS connections
// from one address with the default limits. The address gets
// MaxConnsPerIP (256), the rest are reset before their handshake, the
// flood is logged and counted, and a new client is served over h1, h2
// and h3.
func TestConnFlood(t *testing.T) {
	const n = 20000
	raiseFDLimit(t, 4096) // the flood holds 256 at a time (both ends) and 64 attempts
	ls := newLimitServer(t, testserver.H1, trio.Limits{})
	f := new(flood)
	defer f.close()
	start := time.Now()
	f.run(t, ls.TS, n, 2*time.Minute)
	t.Logf("flood: %d connections in %v: %d held, %d reset", n, time.Since(start).Round(time.Millisecond), len(f.held), f.refused.Load())
	if len(f.held) != trio.DefaultMaxConnsPerIP || f.refused.Load() != n-trio.DefaultMaxConnsPerIP {
		t.Errorf("flood held %d and had %d reset; want %d and %d", len(f.held), f.refused.Load(), trio.DefaultMaxConnsPerIP, n-trio.DefaultMaxConnsPerIP)
	}
	took := serveAll(t, ls.TS)
	t.Logf("new client under the flood: h1 %v, h2 %v, h3 %v", took["h1"], took["h2"], took["h3"])
	if got, want := ls.hits.count(trio.LimitMaxConnsPerIP), int(f.refused.Load()); got != want {
		t.Errorf("max_conns_per_ip hits = %d; want %d (one per reset)", got, want)
	}
	lines := limitLines(ls.log, trio.LimitMaxConnsPerIP)
	if len(lines) == 0 {
		t.Fatalf("no log line about the flood; log:\n%s", ls.log)
	}
	t.Logf("logged: %s", lines[0])
}

// TestConnFloodFDReserve is the reproduction with the per-address
// limit off, so that only MaxConns (standing in for the open-file limit
// minus FDReserve: client and server share this process's descriptors)
// stands between the flood and the last descriptor. The flood gets
// MaxConns; a new client still gets in, over h1, h2 and h3, each in place
// of one of the flood's connections. It reports the memory an idle TLS
// connection costs (both ends, as both are in this process).
func TestConnFloodFDReserve(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("8,000 TLS handshakes and 16,000 goroutines; skipped with -short and -race")
	}
	const n, maxConns = 9000, 8000
	raiseFDLimit(t, 2*maxConns+2048)
	ls := newLimitServer(t, testserver.H1, trio.Limits{MaxConns: maxConns, MaxConnsPerIP: -1})
	before := heapInUse()
	f := new(flood)
	defer f.close()
	start := time.Now()
	f.run(t, ls.TS, n, 3*time.Minute)
	after := heapInUse()
	t.Logf("flood: %d connections in %v: %d held, %d reset; %s per idle TLS connection (client and server ends)",
		n, time.Since(start).Round(time.Millisecond), len(f.held), f.refused.Load(), kib(after-before, len(f.held)))
	if len(f.held) != maxConns || f.refused.Load() != n-maxConns {
		t.Errorf("flood held %d and had %d reset; want %d and %d", len(f.held), f.refused.Load(), maxConns, n-maxConns)
	}
	took := serveAll(t, ls.TS)
	t.Logf("new client at MaxConns: h1 %v, h2 %v, h3 %v", took["h1"], took["h2"], took["h3"])
	// h1 and h2 each took one place of the flood's (h3 is QUIC).
	if got := ls.hits.count(trio.LimitMaxConns); got != n-maxConns+2 {
		t.Errorf("max_conns hits = %d; want %d (resets and evictions)", got, n-maxConns+2)
	}
	if lines := limitLines(ls.log, trio.LimitMaxConns); len(lines) == 0 {
		t.Errorf("no log line about max_conns; log:\n%s", ls.log)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func kib(bytes uint64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f KiB", float64(bytes)/float64(n)/1024)
}
