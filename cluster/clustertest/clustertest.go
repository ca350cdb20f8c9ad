// Package clustertest starts embedded NATS clusters on loopback for tests,
// as httptest starts servers: each node runs inside a cluster.Cluster,
// with JetStream, and is closed by t.Cleanup.
package clustertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/triohttp/trio/cluster"
)

// StartTimeout bounds Start: the nodes must route to each other and elect
// JetStream leaders.
const StartTimeout = 60 * time.Second

// Configs returns n Configs of embedded NATS nodes on 127.0.0.1 that form
// one cluster: free ports for Listen and ClusterListen, Routes to every
// other node and their client URLs in NATS (to fall back on), a StoreDir
// in t.TempDir(), names node0, node1, ...
func Configs(t testing.TB, n int) []cluster.Config {
	t.Helper()
	ports := FreePorts(t, 2*n)
	cfgs := make([]cluster.Config, n)
	for i := range cfgs {
		cfgs[i] = cluster.Config{
			Embedded:      true,
			Name:          fmt.Sprintf("node%d", i),
			Listen:        fmt.Sprintf("127.0.0.1:%d", ports[2*i]),
			ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1]),
			StoreDir:      t.TempDir(),
		}
		for j := range n {
			if j != i {
				cfgs[i].Routes = append(cfgs[i].Routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[2*j+1]))
				cfgs[i].NATS = append(cfgs[i].NATS, fmt.Sprintf("nats://127.0.0.1:%d", ports[2*j]))
			}
		}
	}
	return cfgs
}

// FreePorts returns n TCP ports free on 127.0.0.1 a moment ago.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	var ls []net.Listener
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// NATS runs a lone NATS server with JetStream in the test process, on a
// free loopback port with its store in t.TempDir(), until t ends, and
// returns its client URL: an external server for a cluster.Config's NATS.
func NATS(t testing.TB) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		ServerName: "clustertest", Host: "127.0.0.1", Port: server.RANDOM_PORT,
		JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready after 10s")
	}
	return s.ClientURL()
}

// Start starts n Clusters from Configs(t, n), concurrently (JetStream
// needs a quorum of them up), waits until each has its broker, and closes
// them in t.Cleanup. Logs go to t.Log at Warn and above.
func Start(t testing.TB, n int) []*cluster.Cluster {
	t.Helper()
	return StartConfigs(t, Configs(t, n))
}

// StartConfigs is Start with the Configs given.
func StartConfigs(t testing.TB, cfgs []cluster.Config) []*cluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	cs := make([]*cluster.Cluster, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() { cs[i], errs[i] = cluster.Start(ctx, cfg, Logger(t)) })
	}
	wg.Wait()
	for i, c := range cs {
		if c != nil {
			t.Cleanup(func() { c.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("starting %s: %v", cfgs[i].Name, errs[i])
		}
	}
	return cs
}

// Logger returns a logger writing Warn and above to t.Log (and nothing
// once t has ended).
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(&tlog{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tlog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *tlog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		func() {
			defer func() {
				if recover() != nil { // logged after the test ended
					w.done = true
				}
			}()
			w.t.Log(string(p))
		}()
	}
	return len(p), nil
}
