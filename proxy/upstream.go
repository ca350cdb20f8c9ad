package proxy

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/ws"
)

// An Upstream is one backend. Its URL scheme picks the transport: http
// (HTTP/1.1 with keep-alive), h2c, https (HTTP/2 or HTTP/1.1 by ALPN) or h3.
// Pools make Upstreams (see NewPool); an Upstream keeps its counters and its
// open WebSockets across Pool.Update as long as its URL stays.
type Upstream struct {
	URL *url.URL

	raw    string // as written in the configuration: the metrics label
	pool   *Pool
	hash   uint64          // of raw, for rendezvous hashing
	doneFn func(err error) // u.done, bound once so Pick does not allocate

	removed  atomic.Bool     // Update dropped it: draining for good
	down     atomic.Bool     // the active check failed
	until    atomic.Int64    // passive: down until this UnixNano
	requests atomic.Int64    // in flight, an open WebSocket included
	sockets  atomic.Int64    // open WebSockets (relays)
	drained  atomic.Int64    // WebSockets closed by draining
	checks   [2]atomic.Int64 // active checks failed, passed

	mu         sync.Mutex // guards below
	relays     map[uint64]wsRelay
	nextID     uint64
	fails      []time.Time // passive: failures within the window
	drainT     *time.Timer // pending close of the relays
	drainedAll bool        // removed and its relays closed: close new ones at once
	checkErr   string      // last active check's failure, "" if it passed
}

// wsRelay is an open WebSocket through the proxy; draining closes it.
type wsRelay interface {
	// closeWith ends both legs: the client gets a close frame with code
	// and reason (1012 when draining), the backend a 1001.
	closeWith(code ws.StatusCode, reason string)
}

// State is an upstream's state: healthy, draining or down.
type State int

const (
	Healthy  State = iota // takes new requests
	Draining              // removed by a reload: finishes what it has, takes nothing new
	Down                  // failed its health checks: takes nothing new until it passes
)

func (s State) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case Draining:
		return "draining"
	case Down:
		return "down"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

func newUpstream(raw string, p *Pool) (*Upstream, error) {
	u, err := ParseUpstream(raw)
	if err != nil {
		return nil, err
	}
	up := &Upstream{URL: u, raw: raw, pool: p, hash: hashString(raw), relays: map[uint64]wsRelay{}}
	up.doneFn = up.done
	return up, nil
}

// done ends a request that Pick gave u.
func (u *Upstream) done(err error) {
	u.requests.Add(-1)
	if err != nil {
		u.pool.failed(u, err)
	}
	u.pool.maybeForget(u)
}

// ParseUpstream parses an upstream URL: a scheme of http, h2c, https or h3,
// a host with a port or not, and no query, fragment or user info. A path is
// a prefix prepended to the request's.
func ParseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("proxy: upstream %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "h2c", "https", "h3":
	default:
		return nil, fmt.Errorf("proxy: upstream %q: scheme %q is not http, h2c, https or h3", raw, u.Scheme)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("proxy: upstream %q: no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("proxy: upstream %q: user info is not allowed", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("proxy: upstream %q: a query or fragment is not allowed", raw)
	}
	return u, nil
}

// String is the upstream as written in the configuration.
func (u *Upstream) String() string { return u.raw }

// State is u's state now.
func (u *Upstream) State() State {
	switch {
	case u.removed.Load():
		return Draining
	case u.down.Load() || u.cooling():
		return Down
	}
	return Healthy
}

// cooling reports whether a passive check marked u down and its cooldown
// has not ended; the clock is read only then.
func (u *Upstream) cooling() bool {
	t := u.until.Load()
	if t == 0 {
		return false
	}
	if time.Now().UnixNano() < t {
		return true
	}
	u.until.CompareAndSwap(t, 0)
	return false
}

// Requests is the number of requests in flight to u, open WebSockets included.
func (u *Upstream) Requests() int64 { return u.requests.Load() }

// WebSockets is the number of WebSockets open to u.
func (u *Upstream) WebSockets() int64 { return u.sockets.Load() }

// httpRequests is the number of HTTP requests in flight to u: those
// that are not open WebSockets.
func (u *Upstream) httpRequests() int64 {
	return max(0, u.requests.Load()-u.sockets.Load())
}

// load is what least_conn and random_two compare: requests in flight,
// and with them the open WebSockets.
func (u *Upstream) load() int64 { return u.requests.Load() }

// addRelay registers an open WebSocket relay on u, so that draining u
// closes it; remove, called when the relay ends, unregisters it.
func (u *Upstream) addRelay(r wsRelay) (remove func()) {
	u.mu.Lock()
	u.nextID++
	id := u.nextID
	u.relays[id] = r
	late := u.drainedAll
	u.mu.Unlock()
	u.sockets.Add(1)
	if late {
		u.drained.Add(1)
		go r.closeWith(ws.StatusServiceRestart, DrainReason)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			u.mu.Lock()
			_, ok := u.relays[id]
			delete(u.relays, id)
			u.mu.Unlock()
			if ok {
				u.sockets.Add(-1)
			}
			u.pool.maybeForget(u)
		})
	}
}
