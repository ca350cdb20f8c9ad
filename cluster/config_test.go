package cluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestReplicas(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want int
	}{
		{Config{NATS: []string{"nats://a:4222"}}, 1},
		{Config{NATS: []string{"nats://a:4222", "nats://b:4222"}}, 2},
		{Config{NATS: []string{"a", "b", "c", "d"}}, 3},
		{Config{NATS: []string{"a", "b", "c", "d"}, Replicas: 5}, 5},
		{Config{Embedded: true}, 1},
		{Config{Embedded: true, Routes: []string{"nats-route://b:6222", "nats-route://c:6222"}}, 3},
		{Config{Embedded: true, ClusterListen: "a:6222", Routes: []string{"nats-route://a:6222", "nats-route://b:6222"}}, 2},
		{Config{Embedded: true, ClusterListen: ":6222", Routes: []string{"nats-route://a:6222", "nats-route://b:6222", "nats-route://b:6222"}}, 3},
		{Config{Embedded: true, ClusterListen: ":6222", Routes: []string{"nats-route://127.0.0.1:6222", "nats-route://b:6222"}}, 2},
		{Config{Embedded: true, ClusterListen: ":6222", Routes: []string{"nats-route://127.0.0.1:6223", "nats-route://b:6222"}}, 3},
		{Config{Embedded: true, NATS: []string{"a", "b", "c"}}, 1},
	} {
		if got := tt.cfg.replicas(); got != tt.want {
			t.Errorf("%+v: replicas() = %d; want %d", tt.cfg, got, tt.want)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tt := range []struct {
		addr string
		host string
		port int
		err  bool
	}{
		{"127.0.0.1:4222", "127.0.0.1", 4222, false},
		{":6222", "0.0.0.0", 6222, false},
		{"[::1]:0", "::1", -1, false},
		{"localhost", "", 0, true},
		{"a:-1", "", 0, true},
		{"a:70000", "", 0, true},
		{"a:x", "", 0, true},
	} {
		h, p, err := hostPort(tt.addr)
		if tt.err != (err != nil) || !tt.err && (h != tt.host || p != tt.port) {
			t.Errorf("hostPort(%q) = %q, %d, %v; want %q, %d, error %v", tt.addr, h, p, err, tt.host, tt.port, tt.err)
		}
	}
}

// TestStartErrors: configurations Start refuses, each with an error saying
// what is wrong, and a lone embedded node on a free port that works.
func TestStartErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no NATS servers given"},
		{Config{Embedded: true, Listen: "nowhere", StoreDir: t.TempDir()}, "cluster: listen"},
		{Config{Embedded: true, Listen: "127.0.0.1:0", ClusterListen: "x", Routes: []string{"nats-route://127.0.0.1:1"}, StoreDir: t.TempDir()}, "cluster_listen"},
		{Config{Embedded: true, Listen: "127.0.0.1:0", Routes: []string{"::"}, StoreDir: t.TempDir()}, `route "::"`},
	} {
		c, err := Start(ctx, tt.cfg, nil)
		if err == nil {
			c.Close()
			t.Errorf("Start(%+v) succeeded", tt.cfg)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Start(%+v) = %v; want %q", tt.cfg, err, tt.want)
		}
	}
	c, err := Start(ctx, Config{Embedded: true, Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Name: "alone"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if u := c.ClientURL(); !strings.HasPrefix(u, "nats://127.0.0.1:") || strings.HasSuffix(u, ":0") || strings.HasSuffix(u, ":-1") {
		t.Errorf("ClientURL() = %q; want the port picked", u)
	}
	if c.Name() != "alone" || c.LocalOnly() || c.Conn() == nil || !c.Conn().IsConnected() || c.Storage() == nil {
		t.Errorf("Name %q, LocalOnly %v, Conn %v, Storage %v; want alone, false, connected, a storage", c.Name(), c.LocalOnly(), c.Conn(), c.Storage())
	}
	if _, err := c.Broker().Publish(ctx, "r", []byte("x")); err != nil {
		t.Errorf("Publish on a lone node: %v", err)
	}
}

// TestStartJoinFails: a node that JetStream cannot be reached on before ctx
// ends (here ctx has ended already) makes Start fail cleanly, stopping the
// embedded node it started.
func TestStartJoinFails(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c, err := Start(ctx, Config{Embedded: true, Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Name: "late"}, nil)
	if err == nil {
		c.Close()
		t.Fatal("Start with an ended ctx succeeded")
	}
	if !strings.Contains(err.Error(), "JetStream") {
		t.Errorf("Start with an ended ctx: %v; want an error about JetStream", err)
	}
}
