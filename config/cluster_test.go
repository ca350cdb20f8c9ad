package config_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/loadtest"
	"github.com/triohttp/trio/ws"
)

// TestClusterTable fills [cluster]'s defaults: no table is no cluster
// with file certificates; external servers; an embedded node with its
// client address and an absolute store_dir.
func TestClusterTable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, table string
		check       func(t *testing.T, c *config.Cluster)
	}{
		{"absent", "", func(t *testing.T, c *config.Cluster) {
			if c.Enabled() || c.CertStorage != "file" {
				t.Errorf("Enabled, CertStorage = %v, %q; want false, file", c.Enabled(), c.CertStorage)
			}
		}},
		{"external", "[cluster]\nnats = [\"nats://10.0.0.1:4222\", \"tls://10.0.0.2:4222\"]\ncert_storage = \"nats\"\nlocal_only = true\n", func(t *testing.T, c *config.Cluster) {
			if !c.Enabled() || c.Embedded || len(c.NATS) != 2 || c.CertStorage != "nats" || !c.LocalOnly || c.Listen != "" {
				t.Errorf("Cluster = %+v", *c)
			}
		}},
		{"embedded", "[cluster]\nembedded = true\nname = \"web-1\"\ncluster_listen = \"0.0.0.0:6222\"\nroutes = [\"nats-route://10.0.0.2:6222\", \"nats-route://10.0.0.3:6222\"]\nstore_dir = \"nats\"\n", func(t *testing.T, c *config.Cluster) {
			if !c.Enabled() || c.Listen != cluster.DefaultListen || c.StoreDir != filepath.Join(dir, "nats") || c.CertStorage != "file" || c.Name != "web-1" {
				t.Errorf("Cluster = %+v; want the default listen, store_dir under %s", *c, dir)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse(filepath.Join(dir, "trio.toml"), []byte(tt.table+"\n[[site]]\nhosts = [\"a.localhost\"]\n"))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, &c.Cluster)
		})
	}
}

// A reload that joins a cluster is refused with a line naming the key,
// as for h3: the cluster is joined once, at start.
func TestClusterReloadRefused(t *testing.T) {
	file, _ := reloadDir(t)
	r := startRunner(t, file)
	writeFile(t, file, []byte(loadtest.ConfigBefore+"\n[cluster]\nnats = [\"nats://127.0.0.1:4222\"]\n"))
	err := r.Reload()
	if err == nil || !strings.Contains(err.Error(), "trio.toml: cluster: cannot change while serving") {
		t.Fatalf("Reload adding [cluster] = %v; want it refused naming cluster", err)
	}
	if r.Config().Cluster.Enabled() {
		t.Error("the refused reload's [cluster] is in force")
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// NATS unreachable at start: Start fails with an error naming the servers
// it tried; with local_only = true it serves on its own instead, the demo
// chat working on an in-process hub.
func TestClusterUnreachableAtStart(t *testing.T) {
	file, data := reloadDir(t)
	down := "nats://" + closedPort(t)
	writeFile(t, file, []byte(loadtest.ConfigBefore+fmt.Sprintf("\n[cluster]\nnats = [%q]\ncert_storage = \"nats\"\n", down)))
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := config.Start(ctx, c, slog.New(slog.DiscardHandler)); err == nil {
		r.Shutdown(ctx)
		t.Fatal("Start with NATS unreachable succeeded; want an error")
	} else if !strings.Contains(err.Error(), "[cluster]") || !strings.Contains(err.Error(), down) {
		t.Errorf("Start error = %q; want it to name [cluster] and %s", err, down)
	}

	writeFile(t, file, []byte(loadtest.ConfigBefore+fmt.Sprintf("\n[cluster]\nnats = [%q]\nlocal_only = true\ncert_storage = \"nats\"\n", down)))
	c, err = config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var logs testtool.Buffer
	r, err := config.Start(ctx, c, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Start with local_only = %v", err)
	}
	defer r.Shutdown(context.Background())
	for _, want := range []string{"local-only", "kept in this machine's files"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	conn := dialChat(t, r, data, "solo")
	defer conn.CloseNow()
	if ev := readEvent(t, conn, "welcome"); ev == "" {
		t.Error("no welcome from the local-only chat")
	}
}

// dialChat opens the demo chat of r's site 127.0.0.1 over HTTP/2.
func dialChat(t *testing.T, r *config.Runner, data, name string) *ws.Conn {
	t.Helper()
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	addr := r.Listeners().TLS[0].Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := ws.Dial(ctx, "wss://"+addr+"/ws/chat?name="+name, &ws.DialOptions{
		HTTP: "h2", TLSClientConfig: &tls.Config{RootCAs: pool}, Header: http.Header{"Origin": {"https://" + addr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// readEvent reads messages until one of JSON type typ, within 10s, and
// returns it ("" if the connection ended first).
func readEvent(t *testing.T, conn *ws.Conn, typ string) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Errorf("waiting for a %s event: %v", typ, err)
			return ""
		}
		if strings.Contains(string(msg), `"type":"`+typ+`"`) {
			return string(msg)
		}
	}
}

// A draining instance closes the demo's WebSockets with 1012 (service
// restart), not 1001, so that clients move to another instance; the
// Runner closes the hub and waits for the demo sites, those of an earlier
// reload included, before it shuts its listeners.
func TestClusterDrainCloses1012(t *testing.T) {
	file, data := reloadDir(t)
	writeFile(t, file, []byte(loadtest.ConfigBefore+fmt.Sprintf("\n[cluster]\nnats = [%q]\nname = \"drain-a\"\n", clustertest.NATS(t))))
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := config.Start(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var conns []*ws.Conn
	for _, name := range []string{"ann", "bob"} {
		conn := dialChat(t, r, data, name)
		defer conn.CloseNow()
		if ev := readEvent(t, conn, "welcome"); !strings.Contains(ev, `"instance":"drain-a"`) {
			t.Errorf("welcome %s; want the instance drain-a", ev)
		}
		conns = append(conns, conn)
		if name == "ann" { // bob joins the demo site of the reloaded file; ann stays on the first
			if err := r.Reload(); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Shutdown(ctx) }()
	for i, conn := range conns {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var err error
		for err == nil {
			_, _, err = conn.ReadMessage()
		}
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusServiceRestart {
			t.Errorf("client %d: connection ended with %v; want close 1012", i, err)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

// freeTCPUDP returns a loopback port free a moment ago on TCP and UDP.
func freeTCPUDP(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// Two instances behind one name, sharing NATS with cert_storage = "nats",
// order ONE certificate from Pebble between them and both serve it. Pebble
// validates on the first instance's ports only, so when the second
// orders, the first answers the challenge from the shared storage.
func TestClusterSharedCertificate(t *testing.T) {
	const name = "shared.cluster.trio-test.example"
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	url := clustertest.NATS(t)
	tlsA, httpA := freeTCPUDP(t), freeTCPUDP(t)
	pb := pebble.Start(t, pebble.Options{TLSPort: tlsA, HTTPPort: httpA})
	root := t.TempDir()
	var runners []*config.Runner
	for i, ports := range [][2]int{{tlsA, httpA}, {0, 0}} {
		dir := filepath.Join(root, fmt.Sprint(i))
		writeFile(t, filepath.Join(dir, "www", "index.html"), []byte(fmt.Sprintf("instance %d\n", i)))
		file := filepath.Join(dir, "trio.toml")
		writeFile(t, file, []byte(fmt.Sprintf(`
listen = "127.0.0.1:%d"
http   = "127.0.0.1:%d"

[acme]
email   = "ops@trio-test.example"
ca      = %q
ca_root = %q

[cluster]
nats         = [%q]
name         = "cert-%d"
cert_storage = "nats"

[[site]]
hosts = [%q]
root  = "www"
`, ports[0], ports[1], pb.DirectoryURL, pb.APIRootFile, url, i, name)))
		c, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := config.Start(context.Background(), c, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Shutdown(context.Background()) })
		runners = append(runners, r)
	}

	roots := pb.Root(t)
	var serials []string
	for i, r := range runners {
		addr := r.Listeners().TLS[0].Addr().String()
		leaf := waitLeaf(t, addr, name, roots, pb)
		serials = append(serials, leaf.SerialNumber.String())
		client := &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: name},
		}}
		req, _ := http.NewRequest("GET", "https://"+addr+"/", nil)
		req.Host = name
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		resp.Body.Close()
		client.CloseIdleConnections()
		if resp.StatusCode != 200 {
			t.Errorf("instance %d: GET / = %d; want 200", i, resp.StatusCode)
		}
	}
	if serials[0] != serials[1] {
		t.Errorf("serials = %v; want one certificate served by both instances", serials)
	}
	if n, o := pb.Issued(), pb.Orders(); n != 1 || o != 1 {
		t.Errorf("Pebble saw %d orders and issued %d certificates; want 1 and 1\n%s", o, n, pb.Log())
	}
	// The certificate is in the cluster's bucket, not in the files both
	// instances would share through TRIO_DATA_DIR.
	keys := bucketKeys(t, url)
	if !strings.Contains(keys, "shared=2Ecluster=2Etrio-test=2Eexample=2Ecrt") {
		t.Errorf("bucket %s lacks the certificate; keys:\n%s", cluster.DefaultCertBucket, keys)
	}
	if _, err := os.Stat(filepath.Join(tlsconf.DefaultDir(), "certmagic", "certificates")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("certificates in the file storage too (%v); want them in NATS only", err)
	}
}

// bucketKeys lists the keys of the certificate bucket at url, one a line.
func bucketKeys(t *testing.T, url string) string {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, cluster.DefaultCertBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(keys, "\n")
}

// waitLeaf handshakes with addr for name until the certificate verifies
// against roots (ACME runs in the background), within 60s.
func waitLeaf(t *testing.T, addr, name string, roots *x509.CertPool, pb *pebble.Server) *x509.Certificate {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: name, NextProtos: []string{"http/1.1"}})
		if err == nil {
			leaf := c.ConnectionState().PeerCertificates[0]
			c.Close()
			return leaf
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no certificate for %s after 60s: %v\n%s", addr, name, err, pb.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Three instances, each running an embedded NATS node from its
// [cluster] table (listen, cluster_listen, routes to the other two), form
// one cluster: a chat message said on the first reaches a member on the
// third, relayed by the third and marked as coming through the first.
func TestClusterEmbeddedRunners(t *testing.T) {
	data := t.TempDir()
	t.Setenv("TRIO_DATA_DIR", data)
	cfgs := clustertest.Configs(t, 3)
	runners := make([]*config.Runner, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cc := range cfgs {
		routes := make([]string, len(cc.Routes))
		for j, r := range cc.Routes {
			routes[j] = strconv.Quote(r)
		}
		file := filepath.Join(t.TempDir(), "trio.toml")
		writeFile(t, file, []byte(fmt.Sprintf(`
listen = "127.0.0.1:0"
http   = ""

[cluster]
embedded       = true
name           = %q
listen         = %q
cluster_listen = %q
routes         = [%s]
store_dir      = %q

[[site]]
hosts = ["127.0.0.1"]
`, cc.Name, cc.Listen, cc.ClusterListen, strings.Join(routes, ", "), cc.StoreDir)))
		c, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { // JetStream needs a quorum of the nodes up
			ctx, cancel := context.WithTimeout(context.Background(), clustertest.StartTimeout)
			defer cancel()
			runners[i], errs[i] = config.Start(ctx, c, slog.New(slog.DiscardHandler))
		})
	}
	wg.Wait()
	for i, r := range runners {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		t.Cleanup(func() { r.Shutdown(context.Background()) })
	}
	first, third := dialChat(t, runners[0], data, "ann"), dialChat(t, runners[2], data, "cy")
	defer first.CloseNow()
	defer third.CloseNow()
	readEvent(t, first, "welcome")
	readEvent(t, third, "welcome")
	if err := first.WriteMessage(ws.MessageText, []byte("across three nodes")); err != nil {
		t.Fatal(err)
	}
	for {
		ev := readEvent(t, third, "msg")
		if ev == "" {
			break
		}
		if strings.Contains(ev, "across three nodes") {
			if !strings.Contains(ev, `"instance":"node2"`) || !strings.Contains(ev, `"via":"node0"`) {
				t.Errorf("event %s; want instance node2, via node0", ev)
			}
			break
		}
	}
}

// writeFile writes data to name, making its folder if needed.
func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
