package cluster_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
)

// presenceBrokers returns n brokers on node's cluster with PresenceTTL
// ttl, each on its own connection, and the connections.
func presenceBrokers(t *testing.T, url string, n int, ttl time.Duration) ([]*cluster.Broker, []*nats.Conn) {
	var bs []*cluster.Broker
	var ncs []*nats.Conn
	for range n {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		b, err := cluster.NewBroker(ctxT(t, 30*time.Second), nc, cluster.BrokerConfig{Prefix: "presence", PresenceTTL: ttl, Logger: clustertest.Logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		bs, ncs = append(bs, b), append(ncs, nc)
	}
	return bs, ncs
}

func names(t *testing.T, b *cluster.Broker, room string) []string {
	t.Helper()
	ps, err := b.Present(ctxT(t, 10*time.Second), room)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, p := range ps {
		ns = append(ns, p.Name+"@"+p.Instance)
	}
	slices.Sort(ns)
	return ns
}

// TestPresenceDeadInstance: an instance that dies without closing (its
// connection gone, no leave) has its members aged out within PresenceTTL,
// while a live instance's members stay, refreshed, well past it.
func TestPresenceDeadInstance(t *testing.T) {
	c := clustertest.Start(t, 1)[0]
	const ttl = 1500 * time.Millisecond
	bs, ncs := presenceBrokers(t, c.ClientURL(), 2, ttl)
	ctx := ctxT(t, 30*time.Second)
	if _, err := bs[0].Announce(ctx, "p", hub.Presence{ID: "a", Name: "ann", Instance: "i0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs[1].Announce(ctx, "p", hub.Presence{ID: "b", Name: "bob", Instance: "i1", Proto: "h3"}); err != nil {
		t.Fatal(err)
	}
	if got, want := names(t, bs[0], "p"), []string{"ann@i0", "bob@i1"}; !slices.Equal(got, want) {
		t.Fatalf("Present = %v; want %v", got, want)
	}
	ncs[1].Close() // instance 1 dies
	died := time.Now()
	for slices.Contains(names(t, bs[0], "p"), "bob@i1") {
		if time.Since(died) > ttl+time.Second { // slack for polling on a loaded machine
			t.Fatalf("a dead instance's member still present %v after it died (PresenceTTL %v)", time.Since(died), ttl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("dead instance's member gone %v after it died (PresenceTTL %v)", time.Since(died).Round(time.Millisecond), ttl)
	time.Sleep(2 * ttl)
	if got, want := names(t, bs[0], "p"), []string{"ann@i0"}; !slices.Equal(got, want) {
		t.Errorf("Present after 2 PresenceTTL = %v; want the live member %v", got, want)
	}
}

// TestPresenceMoved: a member announced again on another instance (it
// reconnected there) stays present when the first instance's leave comes
// late, and the first instance's refresh gives it up, warning of nothing.
// The cluster has three nodes and the presence bucket three replicas,
// where servers may report a revision conflict with another error code
// than a lone node's.
func TestPresenceMoved(t *testing.T) {
	cs := clustertest.Start(t, 3)
	const ttl = 1500 * time.Millisecond
	var warned warnings
	var bs []*cluster.Broker
	for i := range 2 {
		nc, err := nats.Connect(cs[i].ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		b, err := cluster.NewBroker(ctxT(t, 30*time.Second), nc, cluster.BrokerConfig{Prefix: "moved", Replicas: 3, PresenceTTL: ttl, Logger: slog.New(&warned)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		bs = append(bs, b)
	}
	ctx := ctxT(t, 30*time.Second)
	leave0, err := bs[0].Announce(ctx, "m", hub.Presence{ID: "x", Name: "xena", Instance: "i0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bs[1].Announce(ctx, "m", hub.Presence{ID: "x", Name: "xena", Instance: "i1"}); err != nil {
		t.Fatal(err)
	}
	bs[0].RefreshMembers()
	if bs[0].Holds("m", "x") {
		t.Error("instance 0 still holds a member announced on instance 1 since")
	}
	leave0()
	leave0()
	if got, want := names(t, bs[0], "m"), []string{"xena@i1"}; !slices.Equal(got, want) {
		t.Errorf("Present = %v; want %v", got, want)
	}
	time.Sleep(ttl)
	if got, want := names(t, bs[1], "m"), []string{"xena@i1"}; !slices.Equal(got, want) {
		t.Errorf("Present later = %v; want %v", got, want)
	}
	if w := warned.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

// warnings is a slog.Handler that keeps the messages of Warn records and
// above.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnings) WithGroup(string) slog.Handler                { return w }

func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "; ")
}
