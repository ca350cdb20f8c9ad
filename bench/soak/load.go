package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/ws"
)

// protos are the HTTP versions the load spreads over, in turn.
var protos = []string{"h1", "h2", "h3"}

// maxInFlight bounds the requests waiting for an answer; a request due
// while that many wait is counted as skipped, not queued.
const maxInFlight = 256

// A load is the soak's clients: one per protocol for requests, and the
// idle WebSockets.
type load struct {
	o        *options
	tcp, udp string
	pool     *x509.CertPool
	clients  map[string]*http.Client
	stats    *http.Client // for /stats: a connection of its own

	ok, failed, skipped, wsDrops atomic.Int64
	inFlight                     chan struct{}

	mu      sync.Mutex
	lat     map[string][]time.Duration // by protocol
	errs    map[string]int             // first error texts, counted
	sockets []*ws.Conn
	wg      sync.WaitGroup
	done    chan struct{}
}

// totals are a load's counts so far.
type totals struct {
	OK, Failed, Skipped, WSDrops int64
}

func newLoad(tcp, udp string, pool *x509.CertPool, o *options) *load {
	ld := &load{
		o: o, tcp: tcp, udp: udp, pool: pool,
		clients:  map[string]*http.Client{},
		inFlight: make(chan struct{}, maxInFlight),
		lat:      map[string][]time.Duration{},
		errs:     map[string]int{},
		done:     make(chan struct{}),
	}
	for _, p := range protos {
		ld.clients[p] = &http.Client{Transport: ld.transport(p), Timeout: 30 * time.Second}
	}
	ld.stats = &http.Client{Transport: ld.transport("h1"), Timeout: 10 * time.Second}
	return ld
}

func (ld *load) tls(protos ...string) *tls.Config {
	return &tls.Config{RootCAs: ld.pool, ServerName: "localhost", NextProtos: protos}
}

// transport returns a client transport that speaks only proto.
func (ld *load) transport(proto string) http.RoundTripper {
	if proto == "h3" {
		return &http3.Transport{TLSClientConfig: ld.tls()}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16, ForceAttemptHTTP2: proto == "h2"}
	tr.Protocols = new(http.Protocols)
	if proto == "h1" {
		tr.TLSClientConfig = ld.tls("http/1.1")
		tr.Protocols.SetHTTP1(true)
	} else {
		tr.TLSClientConfig = ld.tls("h2")
		tr.Protocols.SetHTTP2(true)
	}
	return tr
}

func (ld *load) url(proto, path string) string {
	if proto == "h3" {
		return "https://" + ld.udp + path
	}
	return "https://" + ld.tcp + path
}

func (ld *load) statsURL() string          { return ld.url("h1", "/stats") }
func (ld *load) statsClient() *http.Client { return ld.stats }

func (ld *load) totals() totals {
	return totals{OK: ld.ok.Load(), Failed: ld.failed.Load(), Skipped: ld.skipped.Load(), WSDrops: ld.wsDrops.Load()}
}

// run sends o.Rate requests a second until ctx ends, turning over the
// protocols, and every o.Churn drops the clients' idle connections.
func (ld *load) run(ctx context.Context) {
	var churn <-chan time.Time
	if ld.o.Churn > 0 {
		t := time.NewTicker(ld.o.Churn)
		defer t.Stop()
		churn = t.C
	}
	var tick <-chan time.Time
	if ld.o.Rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(ld.o.Rate))
		defer t.Stop()
		tick = t.C
	}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-churn:
			for _, c := range ld.clients {
				c.CloseIdleConnections()
			}
		case <-tick:
			select {
			case ld.inFlight <- struct{}{}:
				ld.wg.Add(1)
				go ld.request(ctx, i)
			default:
				ld.skipped.Add(1)
			}
		}
	}
}

// request makes request i: a small GET mostly, every tenth a 64 KiB GET,
// every tenth (other) a 4 KiB POST that comes back.
func (ld *load) request(ctx context.Context, i int) {
	defer ld.wg.Done()
	defer func() { <-ld.inFlight }()
	proto := protos[i%len(protos)]
	var req *http.Request
	want := 1 << 10
	switch i / len(protos) % 10 {
	case 3:
		req, _ = http.NewRequestWithContext(ctx, "GET", ld.url(proto, "/big"), nil)
		want = 64 << 10
	case 7:
		req, _ = http.NewRequestWithContext(ctx, "POST", ld.url(proto, "/echo"), bytes.NewReader(make([]byte, 4<<10)))
		want = 4 << 10
	default:
		req, _ = http.NewRequestWithContext(ctx, "GET", ld.url(proto, "/small"), nil)
	}
	start := time.Now()
	err := ld.do(ld.clients[proto], req, want)
	if ctx.Err() != nil {
		return // the run ended under it
	}
	if err != nil {
		ld.failed.Add(1)
		ld.mu.Lock()
		if len(ld.errs) < 20 {
			ld.errs[proto+": "+err.Error()]++
		}
		ld.mu.Unlock()
		return
	}
	ld.ok.Add(1)
	ld.mu.Lock()
	ld.lat[proto] = append(ld.lat[proto], time.Since(start))
	ld.mu.Unlock()
}

func (ld *load) do(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case n != int64(want):
		return fmt.Errorf("body %d bytes; want %d", n, want)
	}
	return nil
}

// openWebSockets opens o.WS WebSockets, a third over each protocol, each
// on a connection of its own, and keeps each open: one that drops is
// counted and opened again.
func (ld *load) openWebSockets(ctx context.Context, stderr io.Writer) error {
	for i := range ld.o.WS {
		proto := protos[i%len(protos)]
		c, err := ld.dialWS(ctx, proto)
		if err != nil {
			return fmt.Errorf("WebSocket %d over %s: %w", i, proto, err)
		}
		ld.wg.Add(1)
		go ld.holdWS(c, proto)
	}
	if ld.o.WS > 0 {
		fmt.Fprintf(stderr, "soak: %d idle WebSockets open\n", ld.o.WS)
	}
	return nil
}

func (ld *load) dialWS(ctx context.Context, proto string) (*ws.Conn, error) {
	httpv := proto
	tc := ld.tls()
	if proto == "h1" {
		httpv = "http/1.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "wss://"+ld.url(proto, "/ws")[len("https://"):], &ws.DialOptions{HTTP: httpv, TLSClientConfig: tc})
	if err != nil {
		return nil, err
	}
	ld.mu.Lock()
	ld.sockets = append(ld.sockets, c)
	ld.mu.Unlock()
	return c, nil
}

// holdWS reads c until it closes; unless the load is closing, it counts
// the drop and opens another.
func (ld *load) holdWS(c *ws.Conn, proto string) {
	defer ld.wg.Done()
	for c != nil {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				break
			}
		}
		if ld.closing() {
			return
		}
		ld.wsDrops.Add(1)
		ld.forget(c)
		c = ld.redial(proto)
	}
}

// redial opens a WebSocket over proto, trying every second, and returns
// it, or nil once the load is closing.
func (ld *load) redial(proto string) *ws.Conn {
	for {
		c, err := ld.dialWS(context.Background(), proto)
		if err == nil {
			if ld.closing() { // close took its list before c was in it
				c.CloseNow()
				return nil
			}
			return c
		}
		select {
		case <-ld.done:
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (ld *load) closing() bool {
	select {
	case <-ld.done:
		return true
	default:
		return false
	}
}

func (ld *load) forget(c *ws.Conn) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.sockets = slices.DeleteFunc(ld.sockets, func(x *ws.Conn) bool { return x == c })
}

// close closes the WebSockets and the clients and waits for every
// request and WebSocket goroutine.
func (ld *load) close() {
	select {
	case <-ld.done:
		return // closed already
	default:
	}
	close(ld.done)
	ld.mu.Lock()
	socks := slices.Clone(ld.sockets)
	ld.mu.Unlock()
	for _, c := range socks {
		c.CloseNow()
	}
	ld.wg.Wait()
	for _, c := range append([]*http.Client{ld.stats}, ld.clients["h1"], ld.clients["h2"], ld.clients["h3"]) {
		c.CloseIdleConnections()
		if cl, ok := c.Transport.(io.Closer); ok {
			cl.Close()
		}
	}
}

// latencies returns the requests' latencies by protocol, sorted, and the
// first errors seen with their counts.
func (ld *load) latencies() (map[string][]time.Duration, map[string]int) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	out := map[string][]time.Duration{}
	for p, l := range ld.lat {
		out[p] = slices.Sorted(slices.Values(l))
	}
	return out, ld.errs
}
