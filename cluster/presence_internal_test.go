package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/triohttp/trio/hub"
)

// TestPresenceRefresh: a broker's periodic rewrite of its members keeps
// one it still holds (a new revision), writes anew one that aged out, and
// gives up one another instance announced since.
func TestPresenceRefresh(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{Embedded: true, Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Name: "refresh"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b1 := c.Broker().(*Broker)
	nc, err := nats.Connect(c.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	b2, err := NewBroker(ctx, nc, BrokerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	held := func(key string) *presence {
		b1.mu.Lock()
		defer b1.mu.Unlock()
		return b1.presences[key]
	}
	present := func(want ...string) {
		t.Helper()
		ps, err := b2.Present(ctx, "r")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.ID+"@"+p.Instance)
		}
		if len(got) != len(want) || len(want) > 0 && got[0] != want[0] {
			t.Errorf("Present = %v; want %v", got, want)
		}
	}

	if _, err := b1.Announce(ctx, "r", hub.Presence{ID: "x", Instance: "i1"}); err != nil {
		t.Fatal(err)
	}
	p := held(presenceKey("r", "x"))
	rev := p.rev
	b1.refresh(p)
	if p.rev <= rev || held(p.key) != p {
		t.Errorf("after refresh: revision %d (was %d), held %v; want a newer revision, still held", p.rev, rev, held(p.key) != nil)
	}
	present("x@i1")

	if err := b1.members.Delete(ctx, p.key); err != nil { // as if it aged out
		t.Fatal(err)
	}
	present()
	b1.refresh(p)
	present("x@i1")

	if _, err := b2.Announce(ctx, "r", hub.Presence{ID: "x", Instance: "i2"}); err != nil {
		t.Fatal(err)
	}
	b1.refresh(p)
	if held(p.key) != nil {
		t.Error("refresh kept a member another instance announced since")
	}
	present("x@i2")
}
