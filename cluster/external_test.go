package cluster_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/hub/hubtest"
	"github.com/triohttp/trio/internal/testtool"
)

// externalNATS runs n nats-server processes (Debian's package in CI)
// forming one cluster with JetStream on loopback, until the test ends, and
// returns their client URLs.
func externalNATS(t *testing.T, n int) []string {
	bin := testtool.Path(t, "nats-server")
	ports := clustertest.FreePorts(t, 2*n)
	urls := make([]string, n)
	for i := range n {
		dir := t.TempDir()
		routes := ""
		for j := range n {
			if j != i {
				routes += fmt.Sprintf("    nats-route://127.0.0.1:%d\n", ports[2*j+1])
			}
		}
		conf := fmt.Sprintf(`server_name: ext%d
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
cluster {
  name: trio-external
  listen: 127.0.0.1:%d
  routes: [
%s  ]
}
`, i, ports[2*i], filepath.Join(dir, "js"), ports[2*i+1], routes)
		file := filepath.Join(dir, "nats.conf")
		if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", file)
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", ports[2*i])
	}
	for _, u := range urls {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", u[len("nats://"):], time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nats-server at %s not accepting: %v", u, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return urls
}

// TestExternalNATS: three trio instances on an external cluster of three
// nats-server processes, each instance listing the servers in another
// order: Start waits for JetStream, the stream is R3, and the conformance
// suite passes on brokers over it.
func TestExternalNATS(t *testing.T) {
	out, err := exec.Command(testtool.Path(t, "nats-server"), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", out)
	urls := externalNATS(t, 3)
	ctx := ctxT(t, 60*time.Second)
	cfgs := make([]cluster.Config, 3)
	for i := range cfgs {
		cfgs[i] = cluster.Config{NATS: append(slices.Clone(urls[i:]), urls[:i]...), Name: fmt.Sprintf("trio%d", i)}
	}
	cs := clustertest.StartConfigs(t, cfgs)
	st, err := cs[0].JetStream().Stream(ctx, "TRIO_HUB")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.Config.Replicas != 3 {
		t.Fatalf("stream info = %+v, %v; want 3 replicas", info, err)
	}
	recs := make([]*recorder, 3)
	for i, c := range cs {
		recs[i] = newRecorder()
		sub, err := c.Broker().Subscribe(ctx, "ext", 0, recs[i].deliver)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	var want []uint64
	for i := range 30 {
		seq, err := cs[i%3].Broker().Publish(ctx, "ext", fmt.Appendf(nil, "%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
	}
	for i, r := range recs {
		if got := r.waitFor(t, len(want), 10*time.Second); !slices.Equal(got, want) {
			t.Errorf("instance %d got %v; want %v", i, got, want)
		}
	}
	t.Run("conformance", func(t *testing.T) {
		hubtest.Run(t, func(t *testing.T, n int) []hub.Broker {
			bs := make([]hub.Broker, n)
			for i := range bs {
				b, err := cluster.NewBroker(ctxT(t, 30*time.Second), cs[i%3].Conn(), cluster.BrokerConfig{
					Prefix: "exttest", History: hubtest.History, Replicas: 3,
					PresenceTTL: 3 * time.Second, Logger: clustertest.Logger(t),
				})
				if err != nil {
					t.Fatal(err)
				}
				bs[i] = b
				t.Cleanup(func() { b.Close() })
			}
			return bs
		})
	})
}
