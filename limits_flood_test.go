package trio_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
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

// run makes n connection attempts with 64 at a time, within d. It may
// run on a goroutine of its own: it returns what went wrong.
func (f *flood) run(t *testing.T, ts *triotest.TS, n int, d time.Duration) error {
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
		return fmt.Errorf("flood of %d took over %v", n, d)
	}
	if n := f.otherErr.Load(); n > 0 {
		return fmt.Errorf("%d flood connections failed otherwise than refused, first: %v", n, f.firstErr.Load())
	}
	return nil
}

func (f *flood) heldCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.held)
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
func serveAll(t *testing.T, ts *triotest.TS) map[string]time.Duration {
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
// and h3 while the flood goes on and after it.
func TestConnFlood(t *testing.T) {
	const n = 20000
	raiseFDLimit(t, 4096) // the flood holds 256 at a time (both ends) and 64 attempts
	ls := newLimitServer(t, triotest.H1, trio.Limits{})
	f := new(flood)
	defer f.close()
	start := time.Now()
	flooded := make(chan error, 1)
	go func() { flooded <- f.run(t, ls.TS, n, 2*time.Minute) }()
	waitFor(t, "the flood to fill its address's share", func() bool { return f.heldCount() == trio.DefaultMaxConnsPerIP })
	during := serveAll(t, ls.TS)
	if err := <-flooded; err != nil {
		t.Fatal(err)
	}
	t.Logf("flood: %d connections in %v: %d held, %d reset", n, time.Since(start).Round(time.Millisecond), len(f.held), f.refused.Load())
	if len(f.held) != trio.DefaultMaxConnsPerIP || f.refused.Load() != n-trio.DefaultMaxConnsPerIP {
		t.Errorf("flood held %d and had %d reset; want %d and %d", len(f.held), f.refused.Load(), trio.DefaultMaxConnsPerIP, n-trio.DefaultMaxConnsPerIP)
	}
	t.Logf("new client during the flood: h1 %v, h2 %v, h3 %v", during["h1"], during["h2"], during["h3"])
	took := serveAll(t, ls.TS)
	t.Logf("new client after the flood: h1 %v, h2 %v, h3 %v", took["h1"], took["h2"], took["h3"])
	if got, want := ls.hits.Get(trio.LimitMaxConnsPerIP), int(f.refused.Load()); got != want {
		t.Errorf("max_conns_per_ip hits = %d; want %d (one per reset)", got, want)
	}
	lines := limitLines(ls.log, trio.LimitMaxConnsPerIP)
	if len(lines) == 0 {
		t.Fatalf("no log line about the flood; log:\n%s", ls.log)
	}
	t.Logf("logged: %s", lines[0])
	if !strings.Contains(lines[0], "last_client="+flooder.String()) {
		t.Errorf("log line %q does not name the flooding address %s", lines[0], flooder)
	}
}

// floodChild is set in the environment of the test binary re-executed by
// TestConnFloodFDReserve to flood from another process: "ADDR N CAFILE".
const floodChild = "TRIO_TEST_FLOOD_CHILD"

// TestConnFloodFDReserve is the reproduction with the per-address
// limit off, so that only the open-file limit stands between the flood
// and the last descriptor: with RLIMIT_NOFILE at 6,000, MaxConns's
// default is 5,872 (FDReserve 128). Another process opens 7,500 idle TLS
// connections from one address; the server holds 5,872 and resets the
// rest at accept, never running out of descriptors, and a new client is
// still served over h1, h2 and h3, each TCP one in place of one of the
// flood's. The server's memory per idle TLS connection is reported.
func TestConnFloodFDReserve(t *testing.T) {
	if spec := os.Getenv(floodChild); spec != "" {
		runFloodChild(t, spec)
		return
	}
	if testing.Short() || raceEnabled {
		t.Skip("6,000 TLS handshakes and 12,000 goroutines; skipped with -short and -race")
	}
	const nofile, n = 6000, 7500
	setFDLimit(t, nofile)
	ls := newLimitServer(t, triotest.H1, trio.Limits{MaxConnsPerIP: -1})
	maxConns := nofile - trio.DefaultFDReserve
	before := heapInUse()

	caFile := ls.Cert.Source.(*tlsconf.LocalCA).RootFile()
	cmd := exec.Command(os.Args[0], "-test.run=^TestConnFloodFDReserve$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %s", floodChild, ls.TLSAddr(), n, caFile))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testtool.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatalf("flood child printed nothing; stderr:\n%s", stderr.String())
	}
	var held, reset int
	if _, err := fmt.Sscanf(out.Text(), "held %d reset %d", &held, &reset); err != nil {
		t.Fatalf("flood child: %q: %v; stderr:\n%s", out.Text(), err, stderr.String())
	}
	after := heapInUse()
	t.Logf("flood: %d connections in %v: %d held, %d reset; server heap and stacks %s per idle TLS connection",
		n, time.Since(start).Round(time.Millisecond), held, reset, kib(after-before, held))
	if held != maxConns || reset != n-maxConns {
		t.Errorf("flood held %d and had %d reset; want %d and %d", held, reset, maxConns, n-maxConns)
	}
	took := serveAll(t, ls.TS)
	t.Logf("new client at the open-file limit: h1 %v, h2 %v, h3 %v", took["h1"], took["h2"], took["h3"])
	// h1 and h2 each took one place of the flood's; h3 one more if no
	// place was free by then (the count is read as the client arrives).
	if got, want := ls.hits.Get(trio.LimitMaxConns), n-maxConns+2; got < want || got > want+1 {
		t.Errorf("max_conns hits = %d; want %d or %d (resets and evictions)", got, want, want+1)
	}
	if lines := limitLines(ls.log, trio.LimitMaxConns); len(lines) == 0 {
		t.Errorf("no log line about max_conns; log:\n%s", ls.log)
	}
	if n := ls.hits.Get(trio.LimitFDs); n != 0 {
		t.Errorf("accept ran out of descriptors %d times; want never (the reserve)", n)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("flood child: %v; stderr:\n%s", err, stderr.String())
	}
}

// setFDLimit sets the soft RLIMIT_NOFILE to n for the test.
func setFDLimit(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if old.Max < n {
		t.Skipf("RLIMIT_NOFILE: hard limit %d, below %d", old.Max, n)
	}
	r := syscall.Rlimit{Cur: n, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// runFloodChild is TestConnFloodFDReserve's flooder: it opens n idle TLS
// connections to addr from the flooder address, prints how many were
// held and reset, and holds them until its stdin closes.
func runFloodChild(t *testing.T, spec string) {
	var addr, caFile string
	var n int
	if _, err := fmt.Sscan(spec, &addr, &n, &caFile); err != nil {
		t.Fatalf("%s=%q: %v", floodChild, spec, err)
	}
	raiseFDLimit(t, uint64(n)+1024)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}}
	var (
		mu           sync.Mutex
		held         []*tls.Conn
		reset, other atomic.Int64
		next         atomic.Int64
		wg           sync.WaitGroup
	)
	for range 64 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				tc, err := handshake(addr, flooder, cfg)
				switch {
				case err == nil:
					mu.Lock()
					held = append(held, tc)
					mu.Unlock()
				case refused(err):
					reset.Add(1)
				default:
					if other.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "flood:", err)
					}
				}
			}
		})
	}
	wg.Wait()
	fmt.Printf("held %d reset %d\n", len(held), reset.Load())
	io.Copy(io.Discard, os.Stdin)
	for _, c := range held {
		c.Close()
	}
	if other.Load() > 0 {
		t.Errorf("%d flood connections failed otherwise than refused", other.Load())
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
