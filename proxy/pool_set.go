package proxy

import (
	"cmp"
	"slices"
	"sync"
)

// Pools is the set of pools a server runs, by name. It outlives each
// configuration: a reload stages the pools of the new one (Stage), which
// keeps the pools whose names stay, so their upstreams keep their counters
// and WebSockets, and drains the others once committed. It is also what
// the metrics (see Pools.Describe) and the admin view (see
// Pools.AdminHandler) show. The zero value is an empty set.
type Pools struct {
	mu      sync.Mutex // guards below
	m       map[string]*Pool
	closing []*Pool // closed, some upstreams still draining
	gen     *Staged // the last one committed
}

// All are the pools, sorted by name, with those closed by a Commit
// whose upstreams still drain.
func (s *Pools) All() []*Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := make([]*Pool, 0, len(s.m))
	for _, p := range s.m {
		ps = append(ps, p)
	}
	// Closed pools stay until their upstreams have drained.
	s.closing = slices.DeleteFunc(s.closing, func(p *Pool) bool { return len(p.Upstreams()) == 0 })
	ps = append(ps, s.closing...)
	slices.SortStableFunc(ps, func(a, b *Pool) int { return cmp.Compare(a.name, b.name) })
	return ps
}

// Stage begins the pools of a new configuration. Nothing changes until
// its Commit; a Staged that is never committed holds nothing to release.
func (s *Pools) Stage() *Staged { return &Staged{set: s, cfg: map[string]staged{}} }

// A Staged is the pools of a configuration being built.
type Staged struct {
	set *Pools
	cfg map[string]staged
}

type staged struct {
	pool *Pool
	c    PoolConfig
	urls []string
}

// Pool returns the pool named c.Name for the new configuration: the
// running one of that name, to be reconfigured to c and urls on Commit,
// or a new one, whose health checks start on Commit. Its error is c's or
// urls', or a name staged twice.
func (st *Staged) Pool(c PoolConfig, urls ...string) (*Pool, error) {
	if _, ok := st.cfg[c.Name]; ok {
		return nil, &poolNameError{c.Name}
	}
	if _, err := c.settings(); err != nil {
		return nil, err
	}
	st.set.mu.Lock()
	p := st.set.m[c.Name]
	st.set.mu.Unlock()
	if p == nil {
		var err error
		if p, err = newPool(c, urls); err != nil {
			return nil, err
		}
	} else if _, err := p.upstreams(urls, nil); err != nil {
		return nil, err // checked now so that Commit cannot fail
	}
	st.cfg[c.Name] = staged{pool: p, c: c, urls: urls}
	return p, nil
}

type poolNameError struct{ name string }

func (e *poolNameError) Error() string { return "proxy: pool " + e.name + " staged twice" }

// Commit makes the staged pools the running ones: kept pools are
// reconfigured (their removed upstreams drain), new ones start their
// health checks, and pools not staged are closed (they drain).
func (st *Staged) Commit() {
	s := st.set
	s.mu.Lock()
	old := s.m
	s.m = make(map[string]*Pool, len(st.cfg))
	for name, x := range st.cfg {
		s.m[name] = x.pool
	}
	s.gen = st
	s.mu.Unlock()
	for name, x := range st.cfg {
		if old[name] == x.pool {
			x.pool.Reconfigure(x.c, x.urls...) // checked by Pool
			continue
		}
		x.pool.mu.Lock()
		x.pool.startHealth()
		x.pool.mu.Unlock()
	}
	for name, p := range old {
		if _, ok := st.cfg[name]; !ok {
			p.Close()
			s.mu.Lock()
			s.closing = append(s.closing, p)
			s.mu.Unlock()
		}
	}
}

// Close closes the staged pools if st is the last committed, as at exit;
// if another was committed since, it does nothing.
func (st *Staged) Close() {
	s := st.set
	s.mu.Lock()
	if s.gen != st {
		s.mu.Unlock()
		return
	}
	ps := s.m
	s.m, s.gen = nil, nil
	s.mu.Unlock()
	for _, p := range ps {
		p.Close()
	}
}
