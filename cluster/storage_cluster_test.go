package cluster_test

import (
	"context"
	"fmt"
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
	if info.Config.Replicas != 3 || info.Cluster == nil || info.Config.AllowDirect {
		t.Fatalf("bucket has %d replicas (cluster %+v), direct gets %v; want 3, off", info.Config.Replicas, info.Cluster, info.Config.AllowDirect)
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

// TestStorageExternalNATS: three instances on an external cluster of
// three nats-server processes (Debian's, an older server than the
// embedded one) share files and exclude each other with a lock.
func TestStorageExternalNATS(t *testing.T) {
	urls := externalNATS(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfgs := make([]cluster.Config, 3)
	for i := range cfgs {
		cfgs[i] = cluster.Config{NATS: urls, Name: fmt.Sprintf("ext%d", i)}
	}
	cs := clustertest.StartConfigs(t, cfgs)
	// Read your writes across instances: what one stores, the next loads
	// at once (reads go through the leader; a direct get could be
	// answered by a replica behind it).
	for i := range 60 {
		v := fmt.Sprintf("account %d", i)
		if err := cs[i%3].Storage().Store(ctx, "acme/ca/users/ops/ops.json", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, err := cs[(i+1)%3].Storage().Load(ctx, "acme/ca/users/ops/ops.json"); err != nil || string(got) != v {
			t.Fatalf("Load on the next instance right after Store %d = %q, %v; want %q", i, got, err, v)
		}
	}
	if err := cs[1].Storage().Lock(ctx, "issue_cert_ext.example"); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if err := cs[2].Storage().Lock(short, "issue_cert_ext.example"); err == nil {
		t.Error("a second instance took a held lock")
	}
	if err := cs[1].Storage().Unlock(ctx, "issue_cert_ext.example"); err != nil {
		t.Fatal(err)
	}
	if err := cs[2].Storage().Lock(ctx, "issue_cert_ext.example"); err != nil {
		t.Fatal(err)
	}
	if err := cs[2].Storage().Unlock(ctx, "issue_cert_ext.example"); err != nil {
		t.Fatal(err)
	}
}
