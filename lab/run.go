package lab

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
)

// Defaults of RunConfig.
var (
	DefaultProtos = []string{ProtoH1, ProtoH2, ProtoH3}
	DefaultLoss   = []float64{0, 0.01, 0.02, 0.05}
)

const (
	DefaultDelay = 20 * time.Millisecond // one way: a 40 ms round trip
	DefaultRuns  = 6
)

// RunConfig says what Run measures. The zero value is the default run:
// 64 tiles over h1, h2 and h3 at loss 0, 1, 2 and 5%, 20 ms each way, six
// page loads each, in about two minutes.
type RunConfig struct {
	Protos   []string      // ProtoH1, ProtoH2, ProtoH3; nil means DefaultProtos
	Loss     []float64     // loss rates, 0 to 1; nil means DefaultLoss
	Delay    time.Duration // one-way delay; 0 means DefaultDelay, negative none
	Rate     int64         // bytes per second each way; 0 means unlimited
	Seed     uint64        // run i of every protocol and loss uses the link seed Seed+i
	Runs     int           // page loads per protocol and loss; 0 means DefaultRuns
	Kind     string        // KindTiles or KindPage; "" means KindTiles
	N        int           // resources in the set; 0 means the kind's default
	Progress io.Writer     // a line per page load; nil means none

	// TCPCongestion is the server's TCP congestion control (see
	// Link.SetTCPCongestion); "" means DefaultTCPCongestion, QUIC's.
	TCPCongestion string
}

func (c *RunConfig) protos() []string {
	if len(c.Protos) == 0 {
		return DefaultProtos
	}
	return c.Protos
}

func (c *RunConfig) loss() []float64 {
	if len(c.Loss) == 0 {
		return DefaultLoss
	}
	return c.Loss
}

func (c *RunConfig) delay() time.Duration {
	switch {
	case c.Delay == 0:
		return DefaultDelay
	case c.Delay < 0:
		return 0
	}
	return c.Delay
}

func (c *RunConfig) runs() int {
	if c.Runs <= 0 {
		return DefaultRuns
	}
	return c.Runs
}

func (c *RunConfig) kind() string {
	if c.Kind == "" {
		return KindTiles
	}
	return c.Kind
}

// A Result sums up the page loads of one protocol at one loss rate.
type Result struct {
	Proto    string  `json:"proto"`     // ProtoH1, ProtoH2 or ProtoH3
	Loss     float64 `json:"loss"`      // the link's loss rate, each way
	DelayMS  float64 `json:"delay_ms"`  // the link's one-way delay
	Runs     int     `json:"runs"`      // page loads
	MedianMS float64 `json:"median_ms"` // median page-complete time: first request to last byte of the last resource
	P95MS    float64 `json:"p95_ms"`    // its 95th percentile (linear between ranks)

	// StallMS is the median, over every resource of every load, of the
	// resource's stall: the longest time it waited for bytes between its
	// request being sent and its last byte (for the response to begin, or
	// between two reads of its body). It includes a round trip; a lost
	// packet lengthens it for every resource the loss holds up.
	StallMS float64 `json:"stall_ms"`

	// Conns is the most connections one page load opened, counted at the
	// client's dialer: 6 for h1 and 1 for h2 and h3 unless one failed.
	Conns int `json:"conns"`

	// Slowdown is MedianMS over the same protocol's median at the lowest
	// loss rate measured: how much this loss slowed it down.
	Slowdown float64 `json:"slowdown"`

	MinMS   float64 `json:"min_ms"`  // fastest page load
	Dropped uint64  `json:"dropped"` // packets the link dropped during these loads, both ways
	Packets uint64  `json:"packets"` // packets the link delivered during these loads, both ways
	Retrans uint64  `json:"retrans"` // TCP segments the lab namespace (the server) retransmitted; 0 for h3
}

// Run measures page loads over each protocol and loss rate on an impaired
// link (see NewLink; it needs root), with trio's own engines serving
// Resources inside the lab namespace and Go clients in the host's. Each
// load uses new connections, as a first visit does. Results come in the
// order of cfg.Protos, then cfg.Loss.
func Run(ctx context.Context, cfg RunConfig) ([]Result, error) {
	rs := Resources(cfg.kind(), cfg.N)
	if rs == nil {
		return nil, fmt.Errorf("lab: unknown kind %q (want %s or %s)", cfg.kind(), KindTiles, KindPage)
	}
	for _, p := range cfg.protos() {
		if p != ProtoH1 && p != ProtoH2 && p != ProtoH3 {
			return nil, fmt.Errorf("lab: unknown protocol %q (want h1, h2 or h3)", p)
		}
	}
	base := Impairment{Delay: cfg.delay(), Rate: cfg.Rate}
	for _, loss := range cfg.loss() {
		base.Loss = loss
		if err := base.validate(); err != nil {
			return nil, err
		}
	}
	base.Loss = 0
	link, err := NewLink(base)
	if err != nil {
		return nil, err
	}
	defer link.Close()
	if cfg.TCPCongestion != "" {
		if err := link.SetTCPCongestion(cfg.TCPCongestion); err != nil {
			return nil, err
		}
	}
	srv, err := startServer(link)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "lab: %d resources (%s) from %v in namespace %s (TCP %s), %v\n",
			len(rs), cfg.kind(), link.ServerIP(), link.Namespace(), link.TCPCongestion(), base)
	}

	var out []Result
	for _, proto := range cfg.protos() {
		for _, loss := range cfg.loss() {
			imp := base
			imp.Loss = loss
			r, err := measure(ctx, link, srv, proto, imp, rs, &cfg)
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
	}
	slowdowns(out)
	return out, nil
}

// slowdowns sets each result's Slowdown against its protocol's result at
// the lowest loss.
func slowdowns(rs []Result) {
	for i := range rs {
		base := rs[i]
		for _, r := range rs {
			if r.Proto == base.Proto && r.Loss < base.Loss {
				base = r
			}
		}
		if base.MedianMS > 0 {
			rs[i].Slowdown = math.Round(rs[i].MedianMS/base.MedianMS*100) / 100
		}
	}
}

// measure loads the page cfg.runs() times over proto on link impaired as
// imp, and sums up.
func measure(ctx context.Context, link *Link, srv *labServer, proto string, imp Impairment, rs []Resource, cfg *RunConfig) (Result, error) {
	res := Result{Proto: proto, Loss: imp.Loss, DelayMS: ms(imp.Delay), Runs: cfg.runs()}
	var times, stalls []float64
	before, retransBefore := link.Stats(), link.tcpRetrans()
	for i := range cfg.runs() {
		imp.Seed = cfg.Seed + uint64(i)
		link.Set(imp)
		addr := srv.tcp
		if proto == ProtoH3 {
			addr = srv.udp
		}
		c, err := newPageClient(proto, addr, srv.roots)
		if err != nil {
			return res, err
		}
		lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		start := time.Now()
		fs, err := c.loadPage(lctx, rs, fmt.Sprintf("%s-%g-%d", proto, imp.Loss, i))
		cancel()
		c.close()
		if err != nil {
			return res, fmt.Errorf("lab: %s at %v, run %d: %w", proto, imp, i+1, err)
		}
		var end time.Time
		for _, f := range fs {
			end = maxTime(end, f.done)
			stalls = append(stalls, ms(f.stall))
		}
		t := ms(end.Sub(start))
		times = append(times, t)
		res.Conns = max(res.Conns, int(c.conns.Load()))
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%s  loss %4.1f%%  run %d/%d  %6.0f ms  %d conns\n",
				proto, imp.Loss*100, i+1, cfg.runs(), t, c.conns.Load())
		}
		link.settle(ctx)
	}
	after := link.Stats()
	res.Dropped = after.Up.Dropped + after.Down.Dropped - before.Up.Dropped - before.Down.Dropped
	res.Packets = after.Up.Packets + after.Down.Packets - before.Up.Packets - before.Down.Packets
	if proto != ProtoH3 {
		res.Retrans = link.tcpRetrans() - retransBefore
	}
	res.MedianMS = round(quantile(times, 0.5))
	res.P95MS = round(quantile(times, 0.95))
	res.MinMS = round(slices.Min(times))
	res.StallMS = round(quantile(stalls, 0.5))
	return res, nil
}

// A labServer is a trio.Server serving Resources inside a lab namespace.
type labServer struct {
	srv      *trio.Server
	tcp, udp netip.AddrPort
	roots    *x509.CertPool
	close    func()
}

// startServer serves ResourceHandler over h1, h2 and h3 on the link's
// server address, with certificates from a throwaway local CA.
func startServer(link *Link) (*labServer, error) {
	dir, err := os.MkdirTemp("", "trio-lab-ca-")
	if err != nil {
		return nil, err
	}
	ca := &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	roots, err := ca.RootPool()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	at := netip.AddrPortFrom(link.ServerIP(), 0).String()
	ln, err := link.Listen("tcp", at)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	uc, err := link.ListenUDP("udp", at)
	if err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	srv := &trio.Server{Handler: ResourceHandler(), TLS: ca, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan struct{})
	go func() {
		srv.Serve(ln, uc)
		close(done)
	}()
	s := &labServer{
		srv:   srv,
		tcp:   ln.Addr().(*net.TCPAddr).AddrPort(),
		udp:   uc.LocalAddr().(*net.UDPAddr).AddrPort(),
		roots: roots,
	}
	s.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			srv.Close()
		}
		<-done
		os.RemoveAll(dir)
	}
	return s, nil
}

// quantile returns the q-quantile of xs, interpolating linearly between
// closest ranks; xs is sorted in place.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	pos := q * float64(len(xs)-1)
	lo := int(pos)
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (pos-float64(lo))*(xs[lo+1]-xs[lo])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 1, 64), 64)
	return v
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
