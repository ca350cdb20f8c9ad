package cluster_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/hub/hubtest"
)

// TestHubConformance runs the hub's conformance suite on NATS brokers:
// three embedded nodes forming one cluster, the stream and the presence
// bucket at R3, broker i on its own connection to node i%3.
func TestHubConformance(t *testing.T) {
	cs := clustertest.Start(t, 3)
	hubtest.Run(t, func(t *testing.T, n int) []hub.Broker {
		bs := make([]hub.Broker, n)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range bs {
			nc, err := nats.Connect(cs[i%3].ClientURL(), nats.MaxReconnects(-1))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			wg.Go(func() {
				var b *cluster.Broker
				b, errs[i] = cluster.NewBroker(ctxT(t, 30*time.Second), nc, cluster.BrokerConfig{
					Prefix:      "hubtest",
					History:     hubtest.History,
					Replicas:    3,
					PresenceTTL: 3 * time.Second,
					Logger:      clustertest.Logger(t),
				})
				if b != nil {
					bs[i] = b
					t.Cleanup(func() { b.Close() })
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return bs
	})
}
