package proxy

import (
	"log/slog"
	"testing"
	"time"

	"github.com/triohttp/trio/ws"
)

func quiet(c PoolConfig) PoolConfig {
	c.Logger = slog.New(slog.DiscardHandler)
	return c
}

func TestPoolSetStageCommit(t *testing.T) {
	var set Pools
	st := set.Stage()
	a, err := st.Pool(quiet(PoolConfig{Name: "a", DrainGrace: -1}), "http://127.0.0.1:1", "http://127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Pool(quiet(PoolConfig{Name: "b", DrainGrace: -1}), "http://127.0.0.1:3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool(PoolConfig{Name: "a"}, "http://127.0.0.1:9"); err == nil {
		t.Error("a name staged twice: nil error")
	}
	if len(set.All()) != 0 {
		t.Fatal("pools running before Commit")
	}
	st.Commit()
	t.Cleanup(func() { a.Close(); b.Close() })
	if got := set.All(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("All = %v; want a, b", got)
	}
	kept := a.Upstreams()[1]
	f, end := openWebSocket(t, a, kept)
	defer end()
	gone := b.Upstreams()[0]
	fb, endB := openWebSocket(t, b, gone)
	defer endB()

	// The next configuration: a keeps one upstream and changes policy, b goes.
	st2 := set.Stage()
	a2, err := st2.Pool(quiet(PoolConfig{Name: "a", Policy: "least_conn", DrainGrace: -1}), "http://127.0.0.1:2")
	if err != nil || a2 != a {
		t.Fatalf("staged a = %p, %v; want the running pool %p", a2, err, a)
	}
	if _, err := st2.Pool(PoolConfig{Name: "c"}, "ftp://x"); err == nil {
		t.Error("a bad URL staged: nil error")
	}
	if len(a.Upstreams()) != 2 || a.settings().Policy != "" || b.closed {
		t.Fatal("staging changed the running pools")
	}
	st2.Commit()
	st.Close() // no longer the last committed: does nothing
	if a.closed || a.settings().Policy != "least_conn" {
		t.Errorf("kept pool: closed %v, policy %q; want open, least_conn", a.closed, a.settings().Policy)
	}
	if got := a.Upstreams(); len(got) != 1 || got[0] != kept {
		t.Errorf("kept pool's upstreams = %v; want only %s", got, kept)
	}
	if f.waitClosed(50 * time.Millisecond) {
		t.Error("the WebSocket on the kept upstream was closed")
	}
	if !b.closed || !fb.waitClosed(time.Second) || fb.code != ws.StatusServiceRestart {
		t.Errorf("removed pool: closed %v, its WebSocket closed with %d; want true, 1012", b.closed, fb.code)
	}
	// b's upstream still has its WebSocket: All shows it until it ends.
	if got := set.All(); len(got) != 2 || got[1] != b {
		t.Errorf("All = %v; want a, and b while it drains", got)
	}
	endB()
	if got := set.All(); len(got) != 1 {
		t.Errorf("All after b drained = %v; want only a", got)
	}
	st2.Close()
	if !a.closed {
		t.Error("Close of the committed generation left a open")
	}
}
