package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoUpstream is Pick's error when every upstream is down, draining or
// excluded.
var ErrNoUpstream = errors.New("proxy: no upstream available")

// PoolConfig is how a Pool balances and checks its upstreams. The zero value
// is round robin with neither active nor passive health checks and a grace
// of 10 seconds for the WebSockets of a drained upstream.
type PoolConfig struct {
	// Name names the pool in the metrics ("route" label) and the admin
	// view, e.g. the site and path prefix of its route.
	Name string

	// Policy is "round_robin" (also ""), "least_conn", "random_two" or "hash".
	Policy string

	// HashKey is what "hash" hashes: "cookie:NAME", "header:NAME", "ip"
	// (the host of Request.RemoteAddr, not X-Forwarded-For) or "query:NAME". A request without the key
	// is balanced round robin. If empty with "hash", "ip" is used.
	HashKey string

	// Health is the active health check; a zero Path means none.
	Health HealthCheck

	// Passive marks an upstream down after failed requests; a zero
	// Failures means no passive check.
	Passive PassiveCheck

	// DrainGrace is how long the WebSockets of an upstream removed by
	// Update, or gone down, stay open before they are closed with 1012
	// (Service Restart). If zero, 10s; if negative, they are closed at once.
	DrainGrace time.Duration

	// Transport makes the active health checks' requests, with URLs of
	// the upstream's scheme (http, h2c, https or h3), as *Transport does:
	// give the Handler's to check https upstreams with its roots. If nil,
	// a Transport of the pool's own, with the system's roots.
	Transport http.RoundTripper

	// Logger logs state changes. If nil, slog.Default().
	Logger *slog.Logger
}

// settings are a PoolConfig with its defaults applied, parsed.
type settings struct {
	PoolConfig
	pick picker
	key  hashKey
}

func (c PoolConfig) settings() (*settings, error) {
	s := &settings{PoolConfig: c}
	if s.DrainGrace == 0 {
		s.DrainGrace = 10 * time.Second
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	var err error
	if s.pick, err = policy(c.Policy); err != nil {
		return nil, err
	}
	if s.key, err = parseHashKey(c.Policy, c.HashKey); err != nil {
		return nil, err
	}
	if err := c.Health.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// A Pool is the upstreams of one route, their balancing policy and their
// health. Make one with NewPool; Close stops its health checks.
type Pool struct {
	name string
	set  atomic.Pointer[settings]
	rr   atomic.Uint64
	live atomic.Pointer[[]*Upstream] // in configuration order

	reconf   sync.Mutex // serializes Reconfigure
	mu       sync.Mutex // guards below; serializes Update and Close
	draining []*Upstream
	stop     func()        // stops the health checks
	kick     chan struct{} // asks for a check now; nil without active checks
	closed   bool
}

// NewPool returns a pool of the upstreams urls (see ParseUpstream) and
// starts its active health checks, if c has one.
func NewPool(c PoolConfig, urls ...string) (*Pool, error) {
	p, err := newPool(c, urls)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.startHealth()
	p.mu.Unlock()
	return p, nil
}

// newPool is NewPool without starting the health checks.
func newPool(c PoolConfig, urls []string) (*Pool, error) {
	s, err := c.settings()
	if err != nil {
		return nil, err
	}
	p := &Pool{name: c.Name, stop: func() {}}
	p.set.Store(s)
	ups, err := p.upstreams(urls, nil)
	if err != nil {
		return nil, err
	}
	p.live.Store(&ups)
	return p, nil
}

// Name is the pool's name, as PoolConfig.Name gave it.
func (p *Pool) Name() string { return p.name }

func (p *Pool) settings() *settings { return p.set.Load() }

// Upstreams are the pool's current upstreams, in configuration order,
// followed by those still draining after an Update removed them.
func (p *Pool) Upstreams() []*Upstream {
	ups := slices.Clone(*p.live.Load())
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(ups, p.draining...)
}

// Pick chooses an upstream for r, skipping excluded ones (already failed
// for this request) and those down or draining; ErrNoUpstream when none is
// left. done must be called once, when the request (or the WebSocket)
// ends, with the error that ended it (nil on success): a non-nil error
// counts as a failure for the passive health check.
func (p *Pool) Pick(r *http.Request, exclude []*Upstream) (u *Upstream, done func(err error), err error) {
	ups := *p.live.Load()
	u = p.settings().pick(p, r, ups, exclude)
	if u == nil {
		return nil, nil, ErrNoUpstream
	}
	u.requests.Add(1)
	return u, u.doneFn, nil
}

// usable reports whether u may take a new request and is not in exclude.
func usable(u *Upstream, exclude []*Upstream) bool {
	return u.State() == Healthy && !slices.Contains(exclude, u)
}

// upstreams makes the upstreams of urls, reusing those of old with the same
// URL as written. It returns an error for a bad or repeated URL.
func (p *Pool) upstreams(urls []string, old []*Upstream) ([]*Upstream, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("proxy: pool %q: no upstream", p.name)
	}
	ups := make([]*Upstream, 0, len(urls))
	for _, raw := range urls {
		if slices.ContainsFunc(ups, func(u *Upstream) bool { return u.raw == raw }) {
			return nil, fmt.Errorf("proxy: upstream %q listed twice", raw)
		}
		if i := slices.IndexFunc(old, func(u *Upstream) bool { return u.raw == raw }); i >= 0 {
			ups = append(ups, old[i])
			continue
		}
		u, err := newUpstream(raw, p)
		if err != nil {
			return nil, err
		}
		ups = append(ups, u)
	}
	return ups, nil
}
