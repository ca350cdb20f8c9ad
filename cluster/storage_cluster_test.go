package cluster_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
)

// TestStorageNodeLost: three instances on three embedded NATS nodes share
// the certificate bucket (R3). The node leading the bucket is lost while
// one instance holds a lock; the others still load what was stored, the
// lock still excludes, and Unlock and a new Lock work through the nodes
// left.
func TestStorageNodeLost(t *testing.T) {
	cs := clustertest.Start(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := cs[0].JetStream().Stream(ctx, "KV_"+cluster.DefaultCertBucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil {
		t.Fatalf("bucket has %d replicas (cluster %+v); want 3", info.Config.Replicas, info.Cluster)
	}
	victim := slices.IndexFunc(cs, func(c *cluster.Cluster) bool { return c.Name() == info.Cluster.Leader })
	if victim < 0 {
		t.Fatalf("bucket leader %q is none of the instances", info.Cluster.Leader)
	}
	holder, other := (victim+1)%3, (victim+2)%3
	const key, lock = "certificates/ca/shared.example/shared.example.crt", "issue_cert_shared.example"
	if err := cs[victim].Storage().Store(ctx, key, []byte("pem")); err != nil {
		t.Fatal(err)
	}
	if err := cs[holder].Storage().Lock(ctx, lock); err != nil {
		t.Fatal(err)
	}

	cs[victim].ShutdownNATS()
	lost := time.Now()

	for _, i := range []int{holder, other, victim} { // the victim's instance goes on through the others' nodes
		got, err := cs[i].Storage().Load(ctx, key)
		if err != nil || string(got) != "pem" {
			t.Errorf("instance %d after the node was lost: Load = %q, %v", i, got, err)
		}
	}
	if ok, err := cs[other].Storage().(interface {
		TryLock(context.Context, string) (bool, error)
	}).TryLock(ctx, lock); ok || err != nil {
		t.Errorf("TryLock of the held lock after the node was lost = %v, %v; want false", ok, err)
	}
	if err := cs[holder].Storage().Unlock(ctx, lock); err != nil {
		t.Errorf("Unlock after the node was lost: %v", err)
	}
	if err := cs[other].Storage().Lock(ctx, lock); err != nil {
		t.Fatalf("Lock after the node was lost: %v", err)
	}
	if err := cs[other].Storage().Unlock(ctx, lock); err != nil {
		t.Error(err)
	}
	t.Logf("storage served again %v after losing the bucket's leader", time.Since(lost).Round(time.Millisecond))
}
