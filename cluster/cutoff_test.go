package cluster_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
)

// A cutProxy relays TCP connections to a NATS server until cut: then it
// closes them and refuses new ones until restored, as a network partition
// between one instance and its NATS server would.
type cutProxy struct {
	l        net.Listener
	upstream string
	wg       sync.WaitGroup

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newCutProxy(t *testing.T, upstream string) *cutProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, upstream: upstream, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		l.Close()
		p.setCut(true)
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) URL() string { return "nats://" + p.l.Addr().String() }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			u.Close()
			continue
		}
		p.conns[c], p.conns[u] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, u)
		go p.pipe(u, c)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// setCut cuts (closing every relayed connection) or restores the link.
func (p *cutProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// TestCutOff: an instance cut off from NATS while others publish gets,
// once back, what it missed, in order and once, if the history still
// holds it; if more than the history passed, its subscription ends with a
// *hub.GapError (hub.Ender) naming the oldest message kept.
func TestCutOff(t *testing.T) {
	c := clustertest.Start(t, 1)[0]
	ctx := ctxT(t, 60*time.Second)
	const history = 20
	brokers := make([]*cluster.Broker, 2)
	proxy := newCutProxy(t, c.ClientURL()[len("nats://"):])
	for i, url := range []string{c.ClientURL(), proxy.URL()} {
		nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.IgnoreDiscoveredServers())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		b, err := cluster.NewBroker(ctx, nc, cluster.BrokerConfig{Prefix: "cut", History: history, Logger: clustertest.Logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		brokers[i] = b
	}
	pub, cutoff := brokers[0], brokers[1]
	r := newRecorder()
	sub, err := cutoff.Subscribe(ctx, "cut", 0, r.deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	publish := func(n int) []uint64 {
		var seqs []uint64
		for i := range n {
			seq, err := pub.Publish(ctx, "cut", fmt.Appendf(nil, "%d", i))
			if err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, seq)
		}
		return seqs
	}
	want := publish(5)
	r.waitFor(t, len(want), 10*time.Second)

	proxy.setCut(true)
	want = append(want, publish(history-5)...)
	proxy.setCut(false)
	start := time.Now()
	if got := r.waitFor(t, len(want), 10*time.Second); !slices.Equal(got, want) {
		t.Fatalf("after a short cut: got %v; want %v", got, want)
	}
	t.Logf("%d messages missed during the cut arrived %v after it ended", history-5, time.Since(start).Round(time.Millisecond))

	proxy.setCut(true)
	lost := publish(history + 10)
	proxy.setCut(false)
	e, ok := sub.(hub.Ender)
	if !ok {
		t.Fatalf("subscription %T is not a hub.Ender", sub)
	}
	select {
	case <-e.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription still running 10s after missing more than the history")
	}
	var gap *hub.GapError
	if err := e.Err(); !errors.As(err, &gap) || gap.After != want[len(want)-1] || gap.Oldest != lost[10] {
		t.Errorf("Err() = %v; want a GapError after %d, oldest %d", err, want[len(want)-1], lost[10])
	}
	if got := r.seqs(); !slices.Equal(got, want) {
		t.Errorf("delivered %v; want only %v", got, want)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Errorf("Unsubscribe after the end: %v", err)
	}
}
