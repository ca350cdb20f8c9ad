package cluster_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
)

// TestFanOutLost: with the stream's republishing turned off (every
// fanned-out message lost), subscribers still get every message, in
// order, once, from the stream; turned back on, a subscriber that missed
// messages fills the gap before the next live one.
// (Servers before 2.10 cannot change RePublish, so this runs on the
// embedded node only.)
func TestFanOutLost(t *testing.T) {
	c := clustertest.Start(t, 1)[0]
	ctx := ctxT(t, 60*time.Second)
	b := c.Broker()
	st, err := c.JetStream().Stream(ctx, "TRIO_HUB")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Config
	republish := cfg.RePublish

	live := newRecorder()
	sub, err := b.Subscribe(ctx, "lost", 0, live.deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	cfg.RePublish = nil
	if _, err := c.JetStream().UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	var want []uint64
	for i := range 50 {
		seq, err := b.Publish(ctx, "lost", fmt.Appendf(nil, "%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
	}
	start := time.Now()
	if got := live.waitFor(t, 50, 10*time.Second); !slices.Equal(got, want) {
		t.Fatalf("without fan-out: got %v; want %v", got, want)
	}
	t.Logf("50 messages read from the stream %v after the last publish", time.Since(start).Round(time.Millisecond))

	// Ten more lost, then fan-out back: the next live message shows the gap.
	for i := range 10 {
		seq, err := b.Publish(ctx, "lost", fmt.Appendf(nil, "x%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
	}
	cfg.RePublish = republish
	if _, err := c.JetStream().UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		seq, err := b.Publish(ctx, "lost", fmt.Appendf(nil, "back%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
		time.Sleep(20 * time.Millisecond)
	}
	if got := live.waitFor(t, len(want), 10*time.Second); !slices.Equal(got, want) {
		t.Fatalf("after fan-out came back: got %v; want %v", got, want)
	}
	stats := b.(*cluster.Broker).Stats()
	if stats.Published != 65 || stats.Live < 1 || stats.Recovered+stats.Live != 65 {
		t.Errorf("Stats = %+v; want 65 published, each delivered once, live or recovered, and live again at the end", stats)
	}
	t.Logf("%+v", stats)
	live.mu.Lock()
	last := live.msgs[len(live.msgs)-1]
	live.mu.Unlock()
	if string(last.Data) != "back4" {
		t.Errorf("last message = %q; want back4", last.Data)
	}
}
