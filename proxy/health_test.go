package proxy

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// waitState polls u until it is in state want, for up to 3s.
func waitState(t *testing.T, u *Upstream, want State) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for u.State() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is %v after 3s; want %v", u, u.State(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newHealthBackend is a backend whose /healthz answers status.
func newHealthBackend(t *testing.T, status *atomic.Int32) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Header.Get("User-Agent") != "trio-health-check" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestPoolActiveHealth(t *testing.T) {
	var status [2]atomic.Int32
	status[0].Store(200)
	status[1].Store(200)
	a, b := newHealthBackend(t, &status[0]), newHealthBackend(t, &status[1])
	p, err := NewPool(PoolConfig{
		Health:     HealthCheck{Path: "/healthz", Interval: 20 * time.Millisecond, Status: 200},
		DrainGrace: time.Hour,
		Logger:     slog.New(slog.DiscardHandler),
	}, a.URL, b.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ua, ub := p.Upstreams()[0], p.Upstreams()[1]
	waitChecks(t, ua, 1)

	status[0].Store(503)
	waitState(t, ua, Down)
	for range 20 {
		u, done, _ := p.Pick(plain(0), nil)
		if u != ub {
			t.Fatalf("picked %s while it is down", u)
		}
		done(nil)
	}
	ua.mu.Lock()
	msg := ua.checkErr
	ua.mu.Unlock()
	if msg != "status 503" {
		t.Errorf("check error = %q; want %q", msg, "status 503")
	}
	status[0].Store(200)
	waitState(t, ua, Healthy)
	if got := counts(t, p, 10, plain); got[a.URL] != 5 {
		t.Errorf("after recovery: %v; want 5 each", got)
	}
	if ua.checks[0].Load() == 0 || ua.checks[1].Load() < 2 || ub.checks[0].Load() != 0 {
		t.Errorf("check counters: a failed %d passed %d, b failed %d; want >0, >=2, 0",
			ua.checks[0].Load(), ua.checks[1].Load(), ub.checks[0].Load())
	}
}

func TestPoolActiveHealthUnreachable(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL
	s.Close() // nothing listens there now
	p, err := NewPool(PoolConfig{
		Health: HealthCheck{Path: "/healthz", Interval: 20 * time.Millisecond, Timeout: 100 * time.Millisecond},
		Logger: slog.New(slog.DiscardHandler),
	}, url)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	waitState(t, p.Upstreams()[0], Down)
	if _, _, err := p.Pick(plain(0), nil); !errors.Is(err, ErrNoUpstream) {
		t.Errorf("Pick with the only upstream down: %v; want ErrNoUpstream", err)
	}
}

// waitChecks waits until u has had at least n active checks.
func waitChecks(t *testing.T, u *Upstream, n int64) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for u.checks[0].Load()+u.checks[1].Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: fewer than %d checks after 3s", u, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPoolDownDrainsWebSockets(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	s := newHealthBackend(t, &status)
	const grace = 200 * time.Millisecond
	p, err := NewPool(PoolConfig{
		Health:     HealthCheck{Path: "/healthz", Interval: 10 * time.Millisecond},
		DrainGrace: grace,
		Logger:     slog.New(slog.DiscardHandler),
	}, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	u := p.Upstreams()[0]
	waitChecks(t, u, 1)

	// Down for less than the grace: the WebSocket stays.
	f1, end1 := openWebSocket(t, p, u)
	defer end1()
	status.Store(500)
	waitState(t, u, Down)
	status.Store(200)
	waitState(t, u, Healthy)
	if f1.waitClosed(2 * grace) {
		t.Fatal("a WebSocket was closed though its upstream was back within the grace")
	}

	// Down for longer: it is closed with 1012 after the grace.
	status.Store(500)
	waitState(t, u, Down)
	start := time.Now()
	if !f1.waitClosed(5 * grace) {
		t.Fatal("the WebSocket of an upstream down for longer than the grace stayed open")
	}
	if d := time.Since(start); d < grace/2 || f1.code != 1012 {
		t.Errorf("closed with %d after %v; want 1012 after about %v", f1.code, d, grace)
	}
}

func TestPoolPassiveHealth(t *testing.T) {
	const cooldown = 200 * time.Millisecond
	p, urls := newTestPool(t, PoolConfig{Passive: PassiveCheck{Failures: 3, Window: time.Second, Cooldown: cooldown}}, 2)
	u := p.Upstreams()[0]
	boom := errors.New("connection refused")
	fail := func() {
		for {
			v, done, _ := p.Pick(plain(0), nil)
			if v == u {
				done(boom)
				return
			}
			done(nil)
		}
	}
	fail()
	fail()
	if s := u.State(); s != Healthy {
		t.Fatalf("after 2 failures: %v; want healthy", s)
	}
	fail()
	if s := u.State(); s != Down {
		t.Fatalf("after 3 failures within the window: %v; want down", s)
	}
	for range 20 {
		v, done, _ := p.Pick(plain(0), nil)
		if v == u {
			t.Fatalf("picked %s during its cooldown", urls[0])
		}
		done(nil)
	}
	waitState(t, u, Healthy)
	if got := counts(t, p, 10, plain); got[urls[0]] != 5 {
		t.Errorf("after the cooldown: %v; want 5 each", got)
	}
}

func TestPoolPassiveWindow(t *testing.T) {
	p, _ := newTestPool(t, PoolConfig{Passive: PassiveCheck{Failures: 2, Window: 50 * time.Millisecond}}, 1)
	u := p.Upstreams()[0]
	_, done, _ := p.Pick(plain(0), nil)
	done(errors.New("reset"))
	time.Sleep(80 * time.Millisecond)
	_, done, _ = p.Pick(plain(0), nil)
	done(errors.New("reset"))
	if s := u.State(); s != Healthy {
		t.Errorf("2 failures 80ms apart with a 50ms window: %v; want healthy", s)
	}
	_, done, _ = p.Pick(plain(0), nil)
	done(errors.New("reset"))
	if s := u.State(); s != Down {
		t.Errorf("2 failures within the window: %v; want down", s)
	}
}
