package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPoolHashSticky(t *testing.T) {
	for _, key := range []string{"cookie:session", "header:X-User", "ip", "query:room"} {
		t.Run(key, func(t *testing.T) {
			p, urls := newTestPool(t, PoolConfig{Policy: "hash", HashKey: key}, 4)
			req := func(client int) *http.Request {
				r := httptest.NewRequest("GET", fmt.Sprintf("/?room=r%d", client), nil)
				r.AddCookie(&http.Cookie{Name: "session", Value: fmt.Sprint("s", client)})
				r.Header.Set("X-User", fmt.Sprint("u", client))
				r.RemoteAddr = fmt.Sprintf("10.0.%d.%d:%d", client/250, client%250, 40000+client)
				return r
			}
			// One client, 1,000 requests: one upstream.
			got := counts(t, p, 1000, func(int) *http.Request { return req(7) })
			if len(got) != 1 {
				t.Errorf("one client's 1,000 requests went to %v; want one upstream", got)
			}
			// 4,000 clients spread about evenly.
			got = counts(t, p, 4000, req)
			for _, u := range urls {
				if got[u] < 800 || got[u] > 1200 {
					t.Errorf("%s got %d of 4,000 clients; want about 1,000 (%v)", u, got[u], got)
				}
			}
		})
	}
}

func TestPoolHashNoKeyGoesRoundRobin(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{Policy: "hash", HashKey: "cookie:session"}, 2)
	got := counts(t, p, 100, plain)
	if got[urls[0]] != 50 || got[urls[1]] != 50 {
		t.Errorf("requests without the cookie: %v; want 50 each", got)
	}
}

// assign maps n keys to upstreams through p.
func assign(t *testing.T, p *Pool, n int) map[string]string {
	t.Helper()
	m := map[string]string{}
	for i := range n {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-User", fmt.Sprint("user-", i))
		u, done, err := p.Pick(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		done(nil)
		m[fmt.Sprint(i)] = u.String()
	}
	return m
}

// TestPoolHashMovesOnlyItsShare: adding a fifth upstream to four moves
// about a fifth of the keys, all to it; removing one moves only its keys;
// one going down moves only its keys, and they come back when it is up.
func TestPoolHashMovesOnlyItsShare(t *testing.T) {
	const n = 20000
	p, urls := newTestPool(t, PoolConfig{Policy: "hash", HashKey: "header:X-User", DrainGrace: -1}, 4)
	before := assign(t, p, n)

	added := "http://127.0.0.1:10005"
	if err := p.Update(append(urls, added)...); err != nil {
		t.Fatal(err)
	}
	after := assign(t, p, n)
	moved := 0
	for k, u := range after {
		if u != before[k] {
			moved++
			if u != added {
				t.Fatalf("key %s moved from %s to %s; only moves to the added %s are allowed", k, before[k], u, added)
			}
		}
	}
	if share := float64(moved) / n; share < 0.18 || share > 0.22 {
		t.Errorf("adding a fifth upstream moved %.3f of the keys; want 0.20 ± 0.02", share)
	}

	if err := p.Update(urls[1:]...); err != nil { // remove the first of the four
		t.Fatal(err)
	}
	removed := assign(t, p, n)
	for k, u := range removed {
		if before[k] != urls[0] && u != before[k] {
			t.Fatalf("key %s moved from %s to %s, though only %s was removed", k, before[k], u, urls[0])
		}
		if u == urls[0] {
			t.Fatalf("key %s still goes to the removed %s", k, u)
		}
	}

	if err := p.Update(urls...); err != nil {
		t.Fatal(err)
	}
	ups := p.Upstreams()
	ups[2].down.Store(true)
	down := assign(t, p, n)
	for k, u := range down {
		if before[k] != urls[2] && u != before[k] {
			t.Fatalf("key %s moved from %s to %s while only %s is down", k, before[k], u, urls[2])
		}
	}
	ups[2].down.Store(false)
	if back := assign(t, p, n); fmt.Sprint(back) != fmt.Sprint(before) {
		t.Errorf("once %s is up again, keys do not map as before", urls[2])
	}
}

func BenchmarkPoolPick(b *testing.B) {
	for _, policy := range []string{"round_robin", "least_conn", "random_two", "hash"} {
		b.Run(policy, func(b *testing.B) {
			p, _ := newTestPool(b, PoolConfig{Policy: policy, HashKey: hashKeyFor(policy)}, 4)
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-User", "someone")
			b.ReportAllocs()
			for b.Loop() {
				_, done, _ := p.Pick(r, nil)
				done(nil)
			}
		})
	}
}
