package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/hub"
)

// brokers returns n brokers of kind "local" (one in-process store) or
// "nats" (an embedded NATS cluster of n nodes on loopback, JetStream R3,
// an instance on each node), and what stops them.
func brokers(ctx context.Context, kind string, n int) ([]hub.Broker, func(), error) {
	switch kind {
	case "local":
		bs := hub.NewLocalCluster(0, n)
		return bs, func() {
			for _, b := range bs {
				b.Close()
			}
		}, nil
	case "nats":
		return natsBrokers(ctx, n)
	}
	return nil, nil, fmt.Errorf("broker %q: want local or nats", kind)
}

func natsBrokers(ctx context.Context, n int) ([]hub.Broker, func(), error) {
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "trio-bench-hub-")
	if err != nil {
		return nil, nil, err
	}
	cfgs := make([]cluster.Config, n)
	for i := range cfgs {
		cfgs[i] = cluster.Config{
			Embedded:      true,
			Name:          fmt.Sprintf("bench%d", i),
			Listen:        fmt.Sprintf("127.0.0.1:%d", ports[2*i]),
			ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1]),
			StoreDir:      fmt.Sprintf("%s/node%d", dir, i),
		}
		for j := range n {
			if j != i {
				cfgs[i].Routes = append(cfgs[i].Routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[2*j+1]))
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cs := make([]*cluster.Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() { cs[i], errs[i] = cluster.Start(ctx, cfg, log) })
	}
	wg.Wait()
	stop := func() {
		for _, c := range cs {
			if c != nil {
				c.Close()
			}
		}
		os.RemoveAll(dir)
	}
	bs := make([]hub.Broker, n)
	for i, c := range cs {
		if errs[i] != nil {
			stop()
			return nil, nil, fmt.Errorf("starting NATS node %d: %w", i, errs[i])
		}
		bs[i] = c.Broker()
	}
	return bs, stop, nil
}

// freePorts returns n TCP ports free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
