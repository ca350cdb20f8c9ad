package cluster_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
)

// TestNATSUnreachable: with no server answering, Start fails fast with an
// error naming every server tried; with LocalOnly it runs on the
// in-process broker instead.
func TestNATSUnreachable(t *testing.T) {
	ports := clustertest.FreePorts(t, 2)
	urls := []string{fmt.Sprintf("nats://127.0.0.1:%d", ports[0]), fmt.Sprintf("nats://127.0.0.1:%d", ports[1])}
	ctx := ctxT(t, 30*time.Second)
	start := time.Now()
	c, err := cluster.Start(ctx, cluster.Config{NATS: urls}, clustertest.Logger(t))
	if err == nil {
		c.Close()
		t.Fatal("Start succeeded with no NATS server up")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Start took %v to fail; want a few seconds at most", took)
	}
	for _, u := range urls {
		if !strings.Contains(err.Error(), u) {
			t.Errorf("error %q does not name %s", err, u)
		}
	}
	if !strings.Contains(err.Error(), "no NATS server reachable") {
		t.Errorf("error %q does not say no server was reachable", err)
	}

	c, err = cluster.Start(ctx, cluster.Config{NATS: urls, LocalOnly: true}, clustertest.Logger(t))
	if err != nil {
		t.Fatalf("Start with LocalOnly: %v", err)
	}
	defer c.Close()
	if !c.LocalOnly() || c.Conn() != nil || c.JetStream() != nil {
		t.Errorf("LocalOnly() = %v, Conn() = %v, JetStream() = %v; want true, nil, nil", c.LocalOnly(), c.Conn(), c.JetStream())
	}
	if _, ok := c.Broker().(*cluster.Broker); ok {
		t.Fatal("local-only Broker() is a NATS broker")
	}
	r := newRecorder()
	sub, err := c.Broker().Subscribe(ctx, "local", 0, r.deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	seq, err := c.Broker().Publish(ctx, "local", []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.waitFor(t, 1, 5*time.Second); !slices.Equal(got, []uint64{seq}) {
		t.Errorf("local-only delivery = %v; want [%d]", got, seq)
	}
}

// TestNATSNodeLost: three instances, each on its own embedded node, get a
// bounded flow published from all three while the node leading the hub's
// stream is shut down mid-flow; every instance still gets every message,
// in order, once, and publishes go on through the other nodes.
func TestNATSNodeLost(t *testing.T) {
	cs := clustertest.Start(t, 3)
	ctx := ctxT(t, 90*time.Second)
	st, err := cs[0].JetStream().Stream(ctx, "TRIO_HUB")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream has %d replicas (cluster %+v); want 3", info.Config.Replicas, info.Cluster)
	}
	victim := slices.IndexFunc(cs, func(c *cluster.Cluster) bool { return c.Name() == info.Cluster.Leader })
	if victim < 0 {
		t.Fatalf("stream leader %q is none of the instances", info.Cluster.Leader)
	}
	recs := make([]*recorder, len(cs))
	for i, c := range cs {
		recs[i] = newRecorder()
		sub, err := c.Broker().Subscribe(ctx, "flow", 0, recs[i].deliver)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	const total, killAt = 300, 100
	var (
		mu   sync.Mutex
		want []uint64
		wg   sync.WaitGroup
	)
	start := time.Now()
	var lostAt time.Duration
	for p := range 3 { // one publisher per instance, 100 messages each
		wg.Go(func() {
			for i := p; i < total; i += 3 {
				if i == killAt {
					lostAt = time.Since(start)
					cs[victim].ShutdownNATS()
				}
				pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				seq, err := cs[p].Broker().Publish(pctx, "flow", fmt.Appendf(nil, "%d", i))
				cancel()
				if err != nil {
					t.Errorf("publish %d from instance %d: %v", i, p, err)
					return
				}
				mu.Lock()
				want = append(want, seq)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	slices.Sort(want)
	if len(slices.Compact(slices.Clone(want))) != total {
		t.Fatalf("%d distinct sequence numbers for %d publishes", len(slices.Compact(slices.Clone(want))), total)
	}
	for i, r := range recs {
		got := r.waitFor(t, total, 30*time.Second)
		if !slices.Equal(got, want) {
			t.Errorf("instance %d got %d messages, in order and once: %v; want %d", i, len(got), slices.IsSorted(got) && len(slices.Compact(slices.Clone(got))) == len(got), total)
		}
	}
	for i, c := range cs {
		t.Logf("instance %d: %+v", i, c.Broker().(*cluster.Broker).Stats())
	}
	t.Logf("%d messages from 3 publishers in %v; %s (stream leader) shut down at %v", total, time.Since(start).Round(time.Millisecond), cs[victim].Name(), lostAt.Round(time.Millisecond))
	if _, err := cs[victim].Broker().Present(ctx, "flow"); err != nil {
		t.Errorf("Present on the instance whose node was lost: %v", err)
	}
	var _ hub.Broker = cs[0].Broker()
}
