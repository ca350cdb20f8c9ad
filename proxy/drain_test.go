package proxy

import (
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/ws"
)

// A fakeRelay records how draining closed it.
type fakeRelay struct {
	mu     sync.Mutex
	code   ws.StatusCode
	reason string
	at     time.Time
	closed chan struct{}
}

func newFakeRelay() *fakeRelay { return &fakeRelay{closed: make(chan struct{})} }

func (f *fakeRelay) closeWith(code ws.StatusCode, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed == nil {
		f.closed = make(chan struct{})
	}
	select {
	case <-f.closed:
		return
	default:
	}
	f.code, f.reason, f.at = code, reason, time.Now()
	close(f.closed)
}

// waitClosed waits up to d for f to be closed and returns whether it was.
func (f *fakeRelay) waitClosed(d time.Duration) bool {
	select {
	case <-f.closed:
		return true
	case <-time.After(d):
		return false
	}
}

// openWebSocket picks u's pool until it gives u, and registers a relay on
// it as the WebSocket handler does; end ends it.
func openWebSocket(t *testing.T, p *Pool, want *Upstream) (f *fakeRelay, end func()) {
	t.Helper()
	for range 100 {
		u, done, err := p.Pick(plain(0), nil)
		if err != nil {
			t.Fatal(err)
		}
		if u != want {
			done(nil)
			continue
		}
		f = newFakeRelay()
		remove := u.addRelay(f)
		return f, func() { remove(); done(nil) }
	}
	t.Fatalf("Pick never gave %s", want)
	return nil, nil
}

func TestPoolUpdateDrains(t *testing.T) {
	const grace = 300 * time.Millisecond
	p, urls := newTestPool(t, PoolConfig{DrainGrace: grace}, 2)
	ups := p.Upstreams()
	gone, kept := ups[0], ups[1]
	goneWS, endGone := openWebSocket(t, p, gone)
	keptWS, endKept := openWebSocket(t, p, kept)
	defer endKept()
	// A request in flight on the upstream to be removed.
	var inflight func(error)
	for {
		u, done, _ := p.Pick(plain(0), nil)
		if u == gone {
			inflight = done
			break
		}
		done(nil)
	}

	start := time.Now()
	if err := p.Update(urls[1]); err != nil {
		t.Fatal(err)
	}
	if s := gone.State(); s != Draining {
		t.Errorf("removed upstream is %v; want draining", s)
	}
	for range 50 {
		u, done, _ := p.Pick(plain(0), nil)
		if u != kept {
			t.Fatalf("picked %s after its removal", u)
		}
		done(nil)
	}
	if got := p.Upstreams(); len(got) != 2 || got[0] != kept || got[1] != gone {
		t.Errorf("Upstreams = %v; want the kept one, then the draining one", got)
	}
	if goneWS.waitClosed(grace / 2) {
		t.Fatalf("the drained WebSocket was closed %v after the reload; want after the grace of %v", time.Since(start), grace)
	}
	if !goneWS.waitClosed(5 * grace) {
		t.Fatal("the drained WebSocket was not closed")
	}
	if goneWS.code != ws.StatusServiceRestart || goneWS.reason != DrainReason {
		t.Errorf("drained with %d %q; want 1012 %q", goneWS.code, goneWS.reason, DrainReason)
	}
	if d := goneWS.at.Sub(start); d < grace {
		t.Errorf("closed %v after the reload; want at least the grace, %v", d, grace)
	}
	if keptWS.waitClosed(grace) {
		t.Errorf("the WebSocket on the kept upstream was closed with %d", keptWS.code)
	}
	if gone.drained.Load() != 1 {
		t.Errorf("drained counter = %d; want 1", gone.drained.Load())
	}

	// The request in flight finishes; once the WebSocket ends too, the
	// upstream leaves the pool.
	endGone()
	if n := len(p.Upstreams()); n != 2 {
		t.Errorf("with a request in flight, %d upstreams; want 2 (one draining)", n)
	}
	inflight(nil)
	if got := p.Upstreams(); len(got) != 1 || got[0] != kept {
		t.Errorf("after the drain: Upstreams = %v; want only %s", got, kept)
	}
}

func TestPoolUpdateKeepsCounters(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{}, 2)
	u := p.Upstreams()[1]
	f, end := openWebSocket(t, p, u)
	defer end()
	if err := p.Update(urls[1], "h2c://127.0.0.1:10009"); err != nil {
		t.Fatal(err)
	}
	if got := p.Upstreams()[0]; got != u || got.WebSockets() != 1 || got.Requests() != 1 {
		t.Errorf("kept upstream: %v with %d WebSockets, %d requests; want the same one with 1, 1", got, got.WebSockets(), got.Requests())
	}
	if err := p.Update("http://127.0.0.1:10009", "bad://x"); err == nil {
		t.Error("Update with a bad URL: nil error")
	}
	if got := *p.live.Load(); len(got) != 2 || got[0] != u {
		t.Errorf("a failed Update changed the pool to %v", got)
	}
	if f.waitClosed(50 * time.Millisecond) {
		t.Error("the kept upstream's WebSocket was closed")
	}
}

func TestPoolUpdateAddBackStopsDrain(t *testing.T) {
	p, urls := newTestPool(t, PoolConfig{DrainGrace: 200 * time.Millisecond}, 2)
	u := p.Upstreams()[0]
	f, end := openWebSocket(t, p, u)
	defer end()
	p.Update(urls[1])
	p.Update(urls...)
	if s := u.State(); s != Healthy {
		t.Errorf("upstream added back is %v; want healthy", s)
	}
	if got := p.Upstreams(); len(got) != 2 || got[0] != u {
		t.Errorf("Upstreams = %v; want the same upstream back first", got)
	}
	if f.waitClosed(400 * time.Millisecond) {
		t.Error("the WebSocket of an upstream added back within the grace was closed")
	}
}

func TestPoolCloseDrainsAll(t *testing.T) {
	p, _ := newTestPool(t, PoolConfig{DrainGrace: -1}, 1)
	u := p.Upstreams()[0]
	f, end := openWebSocket(t, p, u)
	defer end()
	p.Close()
	if !f.waitClosed(time.Second) || f.code != ws.StatusServiceRestart {
		t.Errorf("Close with a negative grace: WebSocket closed with %d; want 1012 at once", f.code)
	}
	if _, _, err := p.Pick(plain(0), nil); err != ErrNoUpstream {
		t.Errorf("Pick after Close: %v; want ErrNoUpstream", err)
	}
	// A relay registered after the drain (it picked just before) is closed at once.
	late := newFakeRelay()
	defer u.addRelay(late)()
	if !late.waitClosed(time.Second) {
		t.Error("a relay added to a drained upstream stayed open")
	}
}
