package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/ws"
)

// `trio serve --cluster URL` on two instances: a chat message said on one
// reaches a member on the other, relayed by the instance it is connected
// to. Both then stop cleanly (started checks exit 0).
func TestServeCluster(t *testing.T) {
	url := clustertest.NATS(t)
	var chats []*ws.Conn
	for range 2 {
		banner, pool := started(t, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--cluster", url)
		secure, _ := urls(t, banner)
		chats = append(chats, dialDemoChat(t, secure, pool))
	}
	for _, c := range chats {
		readChat(t, c, "welcome", "")
	}
	if err := chats[0].WriteMessage(ws.MessageText, []byte("hello across the cluster")); err != nil {
		t.Fatal(err)
	}
	ev := readChat(t, chats[1], "msg", "hello across the cluster")
	if ev["instance"] == "" || ev["seq"] == nil {
		t.Errorf("event %v; want the relaying instance and a seq", ev)
	}
}

// dialDemoChat opens the demo chat at base over HTTP/2.
func dialDemoChat(t *testing.T, base string, pool *x509.CertPool) *ws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host := strings.TrimPrefix(base, "https://")
	sni, _, _ := net.SplitHostPort(host)
	c, _, err := ws.Dial(ctx, "wss://"+host+"/ws/chat", &ws.DialOptions{
		HTTP: "h2", TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: sni}, Header: http.Header{"Origin": {base}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readChat reads chat events until one of type typ (with text, if not
// ""), within 10s.
func readChat(t *testing.T, c *ws.Conn, typ, text string) map[string]any {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s %q: %v", typ, text, err)
		}
		var ev map[string]any
		if json.Unmarshal(msg, &ev) == nil && ev["type"] == typ && (text == "" || ev["text"] == text) {
			return ev
		}
	}
}

// --cluster takes NATS URLs, and goes in the file with --config.
func TestServeClusterUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--cluster", "http://10.0.0.1:4222"}, `--cluster "http://10.0.0.1:4222": want NATS URLs`},
		{[]string{"serve", "--cluster", "nats://10.0.0.1:4222,nats://10.0.0.2"}, `--cluster "nats://10.0.0.2": want NATS URLs`},
		{[]string{"serve", "--config", "trio.toml", "--cluster", "nats://10.0.0.1:4222"}, "--cluster: set nats in [cluster] in trio.toml instead"},
	}
	for _, tt := range tests {
		var out, errOut testtool.Buffer
		if code := run(context.Background(), tt.args, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut.String(), exitUsage, tt.want)
		}
	}
}

// --cluster takes the schemes [cluster] nats takes.
func TestClusterFlagsCheck(t *testing.T) {
	for _, tt := range []struct {
		urls string
		ok   bool
	}{
		{"nats://10.0.0.1:4222", true},
		{"tls://10.0.0.1:4222,nats://10.0.0.2:4222", true},
		{"ws://10.0.0.1:8080,wss://nats.example:443", true},
		{"http://10.0.0.1:4222", false},
		{"nats://10.0.0.1", false},
		{"nats://:4222", false},
	} {
		c := clusterFlags{clusterURLs: tt.urls}
		if err := c.check(); (err == nil) != tt.ok {
			t.Errorf("check(%q) = %v; want ok %v", tt.urls, err, tt.ok)
		}
	}
}

// NATS unreachable at start: trio serve --cluster fails at once with an
// error naming the servers it tried.
func TestServeClusterUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "nats://" + l.Addr().String()
	l.Close()
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	var out, errOut testtool.Buffer
	code := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--http", "", "--cluster", down}, &out, &errOut)
	if code != exitError || !strings.Contains(errOut.String(), down) || !strings.Contains(errOut.String(), "no NATS server reachable") {
		t.Errorf("exit %d, stderr %q; want %d naming %s", code, errOut.String(), exitError, down)
	}
}

// Two `trio serve --domain NAME --cluster URL` instances order one
// certificate from Pebble between them and both serve it: --cluster keeps
// certificates in NATS. Pebble validates on the first instance's ports;
// it answers for the second from the shared storage.
func TestServeClusterACME(t *testing.T) {
	const name = "cli.cluster.trio-test.example"
	url := clustertest.NATS(t)
	httpPort, tlsPort := freePort(t), freePort(t)
	pb := pebble.Start(t, pebble.Options{HTTPPort: httpPort, TLSPort: tlsPort})
	roots := pb.Root(t)
	var serials []string
	for _, ports := range [][2]int{{tlsPort, httpPort}, {0, 0}} {
		banner, _ := started(t, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", ports[0]), "--http", fmt.Sprintf("127.0.0.1:%d", ports[1]),
			"--domain", name, "--acme-ca", pb.DirectoryURL, "--acme-ca-root", pb.APIRootFile, "--email", "ops@trio-test.example",
			"--cluster", url)
		secure, _ := urls(t, banner)
		addr := strings.TrimPrefix(secure, "https://")
		deadline := time.Now().Add(60 * time.Second)
		for {
			c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: name})
			if err == nil {
				serials = append(serials, c.ConnectionState().PeerCertificates[0].SerialNumber.String())
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no certificate for %s after 60s: %v\n%s", addr, name, err, pb.Log())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if serials[0] != serials[1] {
		t.Errorf("serials = %v; want one certificate served by both instances", serials)
	}
	if n, o := pb.Issued(), pb.Orders(); n != 1 || o != 1 {
		t.Errorf("Pebble saw %d orders, issued %d certificates; want 1 and 1", o, n)
	}
}
