package trio_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/memreturn"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// The burst of TestMemoryReturnedAfterBurst. For runs by hand,
// TRIO_MEMTEST_TCP and TRIO_MEMTEST_QUIC change the counts, and
// TRIO_MEMTEST_MODE=off turns the server's memory returner off (the test
// then fails: RSS stays at its peak), TRIO_MEMTEST_MODE=limit=BYTES sets a
// soft memory limit instead (debug.SetMemoryLimit), to compare the two.
const (
	burstTCP  = 3000 // TLS connections, half HTTP/1.1, half HTTP/2, each with a request
	burstQUIC = 300  // QUIC connections, each with an HTTP/3 request
)

// quicPerAddr is how many QUIC connections a burst opens from one client
// address.
const quicPerAddr = 200

// memChildEnv, set to the local CA's directory, makes
// TestMemoryReturnedAfterBurst the server rather than the client.
const memChildEnv = "TRIO_MEMTEST_CHILD"

// TestMemoryReturnedAfterBurst opens thousands of TLS connections over
// HTTP/1.1 and HTTP/2 and hundreds of QUIC connections at once to a trio
// server in a child process (this test binary run again, so that RSS is
// the server's own), closes them, and requires the server's RSS back
// within twice its baseline (plus 8 MiB: a small process's baseline moves
// by that much with the binary's pages it touched) within a minute, told
// to the Server's MemoryObserver.
func TestMemoryReturnedAfterBurst(t *testing.T) {
	if dir := os.Getenv(memChildEnv); dir != "" {
		memChild(t, dir)
		return
	}
	if testing.Short() || raceEnabled {
		// Under -race the detector's shadow memory (1.5 GiB for this
		// burst) is part of RSS and is never handed back.
		t.Skip("a burst of thousands of connections and up to a minute's wait; not in -short or -race")
	}
	raiseNoFile(t)
	cert := testcert.New(t)
	ch := startMemChild(t, cert)

	ch.warm(t)
	base := ch.settle(t)
	t.Logf("baseline: %v", base)

	nTCP, nQUIC := envInt("TRIO_MEMTEST_TCP", burstTCP), envInt("TRIO_MEMTEST_QUIC", burstQUIC)
	start := time.Now()
	closeAll := ch.burst(t, nTCP, nQUIC)
	peak := ch.stats(t)
	t.Logf("burst of %d TLS + %d QUIC connections open after %v: %v", nTCP, nQUIC, time.Since(start).Round(time.Millisecond), peak)
	closeAll()

	const tolerance = 8 << 20
	limit := 2*base.RSS + tolerance
	deadline := time.Now().Add(time.Minute)
	closed := time.Now()
	for {
		time.Sleep(time.Second)
		s := ch.stats(t)
		t.Logf("%4.0fs after close: %v", time.Since(closed).Seconds(), s)
		if s.RSS <= limit {
			t.Logf("RSS %s after %v: within 2x the baseline %s (+8 MiB); %s handed back",
				mib(s.RSS), time.Since(closed).Round(time.Second), mib(base.RSS), mib(s.Returned))
			if s.Returned == 0 {
				t.Errorf("the Server's MemoryObserver was told of no memory returned")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("RSS %s a minute after the burst (peak %s); want <= 2 x baseline %s + 8 MiB = %s",
				mib(s.RSS), mib(peak.RSS), mib(base.RSS), mib(limit))
		}
	}
}

// memStats are what the child reports of itself.
type memStats struct {
	RSS        uint64 `json:"rss"`
	HeapLive   uint64 `json:"heap_live"`   // as of the last GC
	HeapInUse  uint64 `json:"heap_in_use"` // objects, not yet swept included
	HeapGoal   uint64 `json:"heap_goal"`
	Stacks     uint64 `json:"stacks"`
	Released   uint64 `json:"released"`
	Goroutines uint64 `json:"goroutines"`
	GCs        uint64 `json:"gcs"`
	Runtime    uint64 `json:"runtime"`  // metadata and other memory outside the heap
	Returned   uint64 `json:"returned"` // told to the Server's MemoryObserver
}

func (s memStats) String() string {
	return fmt.Sprintf("rss=%s heap_live=%s heap_in_use=%s goal=%s stacks=%s released=%s runtime=%s goroutines=%d gcs=%d returned=%s",
		mib(s.RSS), mib(s.HeapLive), mib(s.HeapInUse), mib(s.HeapGoal), mib(s.Stacks), mib(s.Released), mib(s.Runtime), s.Goroutines, s.GCs, mib(s.Returned))
}

func mib(b uint64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

func readMemStats() memStats {
	ss := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	metrics.Read(ss)
	rss, _ := memreturn.RSS()
	return memStats{
		RSS: rss, HeapLive: ss[0].Value.Uint64(), HeapInUse: ss[1].Value.Uint64(),
		HeapGoal: ss[2].Value.Uint64(), Stacks: ss[3].Value.Uint64(), Released: ss[4].Value.Uint64(),
		Goroutines: ss[5].Value.Uint64(), GCs: ss[6].Value.Uint64(),
		Runtime: ss[7].Value.Uint64() - ss[1].Value.Uint64() - ss[3].Value.Uint64() - ss[4].Value.Uint64() -
			ss[8].Value.Uint64() - ss[9].Value.Uint64(),
	}
}

// memChild serves until its standard input closes: HTTPS and HTTP/3 with
// the CA in dir, "/stats" answering memStats. It prints its addresses on
// a line of its own first.
func memChild(t *testing.T, dir string) {
	raiseNoFile(t)
	var returned atomic.Uint64
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		s := readMemStats()
		s.Returned = returned.Load()
		json.NewEncoder(w).Encode(s)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := &trio.Server{
		Addr:    "127.0.0.1:0",
		Handler: mux,
		TLS:     &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)},
		Logger:  slog.New(slog.DiscardHandler),
		// Every connection comes from 127.0.0.1: per-address caps off.
		Limits: trio.Limits{MaxConnsPerIP: -1},
	}
	srv.Observer = returnCounter{&returned}
	switch mode := os.Getenv("TRIO_MEMTEST_MODE"); {
	case mode == "off":
		srv.Limits.MemoryReturnInterval = -1
	case strings.HasPrefix(mode, "limit="):
		srv.Limits.MemoryReturnInterval = -1
		n, _ := strconv.ParseInt(strings.TrimPrefix(mode, "limit="), 10, 64)
		debug.SetMemoryLimit(n)
	}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	fmt.Printf("addrs %s %s\n", ls.TLS[0].Addr(), ls.QUIC[0].LocalAddr())
	io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Close()
	srv.Shutdown(ctx)
	<-served
}

// returnCounter is a trio.Observer that only adds up what the Server's
// memory returner handed back.
type returnCounter struct{ n *atomic.Uint64 }

func (returnCounter) ConnOpened(trio.Protocol)      {}
func (returnCounter) ConnClosed(trio.Protocol)      {}
func (returnCounter) StreamOpened(trio.Protocol)    {}
func (returnCounter) StreamClosed(trio.Protocol)    {}
func (returnCounter) TLSHandshake(string, error)    {}
func (c returnCounter) MemoryReturned(bytes uint64) { c.n.Add(bytes) }

var _ trio.MemoryObserver = returnCounter{}

// raiseNoFile raises the open-file limit to its hard limit.
func raiseNoFile(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

// A memChildProc is the server process of TestMemoryReturnedAfterBurst.
type memChildProc struct {
	cmd      *exec.Cmd
	tcp, udp string
	cert     *testcert.Cert
	client   *http.Client
}

func startMemChild(t *testing.T, cert *testcert.Cert) *memChildProc {
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryReturnedAfterBurst$", "-test.v=false")
	cmd.Env = append(os.Environ(), memChildEnv+"="+cert.Source.(*tlsconf.LocalCA).Dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the server process: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server process: %v", err)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("server process did not stop within 20 s of its stdin closing")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server process: reading its addresses: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	var c memChildProc
	if _, err := fmt.Sscanf(line, "addrs %s %s", &c.tcp, &c.udp); err != nil {
		t.Fatalf("server process said %q: %v", line, err)
	}
	c.cmd, c.cert = cmd, cert
	c.client = &http.Client{Transport: &http.Transport{TLSClientConfig: cert.ClientTLS("http/1.1")}, Timeout: 10 * time.Second}
	t.Cleanup(c.client.CloseIdleConnections)
	return &c
}

// stats asks the child for its figures over a fresh HTTP/1.1 connection.
func (c *memChildProc) stats(t *testing.T) memStats {
	t.Helper()
	resp, err := c.client.Get("https://" + c.tcp + "/stats")
	if err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	defer resp.Body.Close()
	var s memStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	// RSS from outside: the request's own allocations are in it too.
	if rss, ok := memreturn.PidRSS(c.cmd.Process.Pid); ok {
		s.RSS = rss
	}
	return s
}

// warm makes a request over each protocol, so that the baseline includes
// the code and tables every connection needs.
func (c *memChildProc) warm(t *testing.T) {
	t.Helper()
	closeAll := c.burst(t, 2, 1)
	closeAll()
}

// settle waits for the child's RSS to stop moving after warm-up and
// returns its figures.
func (c *memChildProc) settle(t *testing.T) memStats {
	t.Helper()
	prev := c.stats(t)
	for range 10 {
		time.Sleep(500 * time.Millisecond)
		s := c.stats(t)
		if s.RSS <= prev.RSS+prev.RSS/50 && prev.RSS <= s.RSS+s.RSS/50 {
			return s
		}
		prev = s
	}
	return prev
}

// burst opens nTCP TLS connections (alternately HTTP/1.1 and HTTP/2) and
// nQUIC QUIC connections, makes a request on each, keeps them all open,
// and returns a func that closes them. Any failure fails the test.
func (c *memChildProc) burst(t *testing.T, nTCP, nQUIC int) (closeAll func()) {
	t.Helper()
	var (
		mu      sync.Mutex
		closers []func()
		failed  atomic.Int64
		first   atomic.Value
	)
	keep := func(f func()) {
		mu.Lock()
		closers = append(closers, f)
		mu.Unlock()
	}
	fail := func(err error) {
		if failed.Add(1) == 1 {
			first.Store(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	// QUIC connections come from 127.0.0.2, .3, ..., 200 from each: under
	// the per-address cap, which only TCP's Limits field turns off.
	var qts []*quic.Transport
	for i := range (nQUIC + quicPerAddr - 1) / quicPerAddr {
		udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))})
		if err != nil {
			t.Fatal(err)
		}
		qts = append(qts, &quic.Transport{Conn: udp})
	}
	raddr, err := net.ResolveUDPAddr("udp", c.udp)
	if err != nil {
		t.Fatal(err)
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				var err error
				switch {
				case i >= nTCP:
					err = c.dialQUIC(ctx, qts[(i-nTCP)/quicPerAddr], raddr, keep)
				case i%2 == 0:
					err = c.dialH1(ctx, keep)
				default:
					err = c.dialH2(ctx, keep)
				}
				if err != nil {
					fail(err)
				}
			}
		})
	}
	for i := range nTCP + nQUIC {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	closeAll = func() {
		for _, f := range closers {
			f()
		}
		for _, qt := range qts {
			qt.Close()
		}
	}
	if n := failed.Load(); n > 0 {
		closeAll()
		t.Fatalf("%d of %d connections failed; first: %v", n, nTCP+nQUIC, first.Load())
	}
	return closeAll
}

func (c *memChildProc) dialTLS(ctx context.Context, proto string) (*tls.Conn, error) {
	d := tls.Dialer{Config: c.cert.ClientTLS(proto)}
	nc, err := d.DialContext(ctx, "tcp", c.tcp)
	if err != nil {
		return nil, err
	}
	return nc.(*tls.Conn), nil
}

func (c *memChildProc) dialH1(ctx context.Context, keep func(func())) error {
	tc, err := c.dialTLS(ctx, "http/1.1")
	if err != nil {
		return err
	}
	keep(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	return status(resp)
}

func (c *memChildProc) dialH2(ctx context.Context, keep func(func())) error {
	tc, err := c.dialTLS(ctx, "h2")
	if err != nil {
		return err
	}
	keep(func() { tc.Close() })
	cc, err := (&http2.Transport{}).NewClientConn(tc)
	if err != nil {
		return err
	}
	keep(func() { cc.Close() })
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://localhost/", nil)
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return status(resp)
}

func (c *memChildProc) dialQUIC(ctx context.Context, qt *quic.Transport, addr net.Addr, keep func(func())) error {
	qc, err := qt.Dial(ctx, addr, c.cert.ClientTLS(http3.NextProtoH3), &quic.Config{})
	if err != nil {
		return err
	}
	keep(func() { qc.CloseWithError(0, "") })
	cc := (&http3.Transport{}).NewClientConn(qc)
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://localhost/", nil)
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return status(resp)
}

func status(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d; want 200", resp.Proto, resp.StatusCode)
	}
	return nil
}
