package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// newTestPool is a pool of n upstreams on unused addresses, named by index.
func newTestPool(t testing.TB, c PoolConfig, n int) (*Pool, []string) {
	t.Helper()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://127.0.0.1:%d", 10001+i)
	}
	p, err := NewPool(c, urls...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, urls
}

// counts picks n times for requests made by req, ending each at once,
// and returns how many each upstream got.
func counts(t testing.TB, p *Pool, n int, req func(i int) *http.Request) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i := range n {
		u, done, err := p.Pick(req(i), nil)
		if err != nil {
			t.Fatalf("Pick %d: %v", i, err)
		}
		got[u.String()]++
		done(nil)
	}
	return got
}

// hashKeyFor is a hash key for policy "hash", none for the others.
func hashKeyFor(policy string) string {
	if policy == "hash" {
		return "header:X-User"
	}
	return ""
}

func plain(int) *http.Request { return httptest.NewRequest("GET", "/", nil) }

func TestPoolRoundRobin(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{}, 3)
	got := counts(t, p, 300, plain)
	for _, u := range urls {
		if got[u] != 100 {
			t.Errorf("%s got %d of 300; want 100 (%v)", u, got[u], got)
		}
	}
}

func TestPoolLeastConn(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{Policy: "least_conn"}, 3)
	ups := p.Upstreams()
	ups[0].requests.Add(2) // requests in flight, as if picked and not done
	ups[1].requests.Add(1)
	for range 10 {
		u, done, _ := p.Pick(plain(0), nil)
		if u != ups[2] {
			t.Fatalf("picked %s with loads 2, 1, 0; want %s", u, urls[2])
		}
		done(nil)
	}
	ups[0].requests.Add(-2)
	ups[1].requests.Add(-1)
	got := counts(t, p, 300, plain)
	for _, u := range urls {
		if got[u] != 100 {
			t.Errorf("idle pool: %s got %d of 300; want 100 (ties go round robin)", u, got[u])
		}
	}
}

func TestPoolLeastConnCountsWebSockets(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{Policy: "least_conn"}, 2)
	// A WebSocket is a Pick not yet done, with a relay on it.
	u, done, _ := p.Pick(plain(0), nil)
	remove := u.addRelay(&fakeRelay{})
	for range 10 {
		v, d, _ := p.Pick(plain(0), nil)
		if v == u {
			t.Fatalf("picked %s, which holds a WebSocket; want the other", v)
		}
		d(nil)
	}
	remove()
	done(nil)
	if u.WebSockets() != 0 || u.Requests() != 0 {
		t.Errorf("after the WebSocket ended: %d WebSockets, %d requests; want 0, 0", u.WebSockets(), u.Requests())
	}
	if u.String() != urls[0] && u.String() != urls[1] {
		t.Errorf("picked %s, not in the pool", u)
	}
}

func TestPoolRandomTwo(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{Policy: "random_two"}, 4)
	got := counts(t, p, 4000, plain)
	for _, u := range urls {
		if got[u] < 800 || got[u] > 1200 {
			t.Errorf("%s got %d of 4000; want about 1000 (%v)", u, got[u], got)
		}
	}
	// A loaded upstream loses every draw it is in against an idle one.
	busy := p.Upstreams()[0]
	busy.requests.Add(5)
	defer busy.requests.Add(-5)
	got = counts(t, p, 1000, plain)
	if got[urls[0]] != 0 {
		t.Errorf("the upstream with 5 in flight got %d of 1000; want 0", got[urls[0]])
	}
}

func TestPoolSkipsExcludedAndDown(t *testing.T) {
	for _, policy := range []string{"round_robin", "least_conn", "random_two", "hash"} {
		t.Run(policy, func(t *testing.T) {
			p, urls := newTestPool(t, PoolConfig{Policy: policy, HashKey: hashKeyFor(policy)}, 3)
			ups := p.Upstreams()
			ups[0].down.Store(true)
			req := func(i int) *http.Request {
				r := plain(i)
				r.Header.Set("X-User", fmt.Sprint("user", i))
				return r
			}
			for i := range 200 {
				u, done, err := p.Pick(req(i), []*Upstream{ups[1]})
				if err != nil || u != ups[2] {
					t.Fatalf("Pick = %v, %v; want %s (%s down, %s excluded)", u, err, urls[2], urls[0], urls[1])
				}
				done(nil)
			}
			_, _, err := p.Pick(req(0), []*Upstream{ups[1], ups[2]})
			if !errors.Is(err, ErrNoUpstream) {
				t.Errorf("all down or excluded: err = %v; want ErrNoUpstream", err)
			}
		})
	}
}

func TestPoolConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		c    PoolConfig
		urls []string
	}{
		{PoolConfig{Policy: "fastest"}, []string{"http://a"}},
		{PoolConfig{Policy: "hash", HashKey: "cookie"}, []string{"http://a"}},
		{PoolConfig{Policy: "hash", HashKey: "body:x"}, []string{"http://a"}},
		{PoolConfig{HashKey: "ip"}, []string{"http://a"}},
		{PoolConfig{Health: HealthCheck{Path: "healthz"}}, []string{"http://a"}},
		{PoolConfig{Health: HealthCheck{Path: "/h", Status: 999}}, []string{"http://a"}},
		{PoolConfig{}, nil},
		{PoolConfig{}, []string{"ftp://a"}},
		{PoolConfig{}, []string{"http://"}},
		{PoolConfig{}, []string{"http://a?x=1"}},
		{PoolConfig{}, []string{"http://u:p@a"}},
		{PoolConfig{}, []string{"http://a", "http://a"}},
	} {
		if p, err := NewPool(tt.c, tt.urls...); err == nil {
			p.Close()
			t.Errorf("NewPool(%+v, %q) = nil error; want one", tt.c, tt.urls)
		}
	}
}
