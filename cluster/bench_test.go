package cluster_test

import (
	"testing"
	"time"

	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
)

// BenchmarkRoundTrip: one message published on instance 0 and delivered
// to a subscriber on instance 2, each on its own node of a 3-node cluster
// (stream R3): publish (stored on a quorum) plus fan-out, one at a time.
func BenchmarkRoundTrip(b *testing.B) {
	cs := clustertest.Start(b, 3)
	ctx := b.Context()
	got := make(chan hub.Message, 1)
	sub, err := cs[2].Broker().Subscribe(ctx, "bench", 0, func(m hub.Message) { got <- m })
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	data := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		seq, err := cs[0].Broker().Publish(ctx, "bench", data)
		if err != nil {
			b.Fatal(err)
		}
		select {
		case m := <-got:
			if m.Seq != seq {
				b.Fatalf("got %d; want %d", m.Seq, seq)
			}
		case <-time.After(10 * time.Second):
			b.Fatal("no delivery in 10s")
		}
	}
}

// BenchmarkPublish: publishes from one instance into one room of a 3-node
// cluster (stream R3), one after another.
func BenchmarkPublish(b *testing.B) {
	cs := clustertest.Start(b, 3)
	ctx := b.Context()
	data := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs[0].Broker().Publish(ctx, "benchpub", data); err != nil {
			b.Fatal(err)
		}
	}
}
