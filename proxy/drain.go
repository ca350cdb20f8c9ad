package proxy

import (
	"slices"
	"time"

	"github.com/triohttp/trio/ws"
)

// DrainReason is the reason of the close frame (code 1012, Service
// Restart) that a drained WebSocket's client gets.
const DrainReason = "service restart"

// Update makes urls the pool's upstreams, as a configuration reload does.
// Upstreams whose URL (as written) stays are kept with their counters and
// open WebSockets. Removed ones drain: they take no new request, their
// requests in flight finish, and their WebSockets are closed with 1012
// after the drain grace, so that clients reconnect to the others. An
// upstream added back while it drains is kept as it is. On error (a bad
// or repeated URL, none at all) nothing changes.
func (p *Pool) Update(urls ...string) error {
	return p.update(urls, nil)
}

// update makes urls the upstreams and, if s is not nil, s the settings.
func (p *Pool) update(urls []string, s *settings) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.live.Load()
	ups, err := p.upstreams(urls, append(slices.Clone(old), p.draining...))
	if err != nil {
		return err
	}
	if s != nil {
		p.set.Store(s)
	}
	for _, u := range ups {
		if i := slices.Index(p.draining, u); i >= 0 {
			p.draining = slices.Delete(p.draining, i, i+1)
			u.undrain()
		}
	}
	var gone []*Upstream
	for _, u := range old {
		if !slices.Contains(ups, u) {
			gone = append(gone, u)
		}
	}
	p.live.Store(&ups)
	for _, u := range gone {
		u.removed.Store(true)
		p.draining = append(p.draining, u)
		p.scheduleDrain(u)
	}
	if p.kick != nil {
		select {
		case p.kick <- struct{}{}: // check the new ones now
		default:
		}
	}
	for _, u := range gone {
		p.forgetLocked(u)
	}
	return nil
}

// Close stops the pool's health checks and drains every upstream, as when
// a reload removes the pool's route: requests in flight finish, WebSockets
// are closed with 1012 after the grace.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	old := *p.live.Load()
	p.live.Store(new([]*Upstream))
	for _, u := range old {
		u.removed.Store(true)
		p.draining = append(p.draining, u)
		p.scheduleDrain(u)
		p.forgetLocked(u)
	}
	stop := p.stop
	p.stop = func() {}
	p.mu.Unlock()
	stop()
}

// Reconfigure changes the pool's policy, health checks and grace to c's
// (c.Name is ignored) and its upstreams to urls, as Update does. On error
// nothing changes.
func (p *Pool) Reconfigure(c PoolConfig, urls ...string) error {
	s, err := c.settings()
	if err != nil {
		return err
	}
	p.reconf.Lock()
	defer p.reconf.Unlock()
	old := p.settings()
	if err := p.update(urls, s); err != nil {
		return err
	}
	if old.Health == s.Health && old.Transport == s.Transport {
		return nil
	}
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	stop() // outside p.mu: a check in flight may need it
	p.mu.Lock()
	if !p.closed {
		p.startHealth()
	}
	p.mu.Unlock()
	return nil
}

// scheduleDrain closes u's WebSockets after the grace (on a timer's
// goroutine, also with no grace: callers hold locks), if u is still not
// healthy then.
func (p *Pool) scheduleDrain(u *Upstream) {
	grace := max(p.settings().DrainGrace, 0)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.drainT != nil {
		return
	}
	u.drainT = time.AfterFunc(grace, func() {
		u.mu.Lock()
		u.drainT = nil
		u.mu.Unlock()
		if u.State() != Healthy {
			p.closeRelays(u)
		}
	})
}

// closeRelays closes u's open WebSockets with 1012. Once u is removed,
// a relay added after (one that picked u just before) is closed at once.
func (p *Pool) closeRelays(u *Upstream) {
	u.mu.Lock()
	rs := make([]wsRelay, 0, len(u.relays))
	for _, r := range u.relays {
		rs = append(rs, r)
	}
	u.drainedAll = u.removed.Load()
	u.mu.Unlock()
	for _, r := range rs {
		u.drained.Add(1)
		r.closeWith(ws.StatusServiceRestart, DrainReason)
	}
	if len(rs) > 0 {
		p.settings().Logger.Info("proxy: drained WebSockets", "route", p.name, "upstream", u.raw, "websockets", len(rs))
	}
}

// undrain takes back an upstream that Update removed and then added again.
func (u *Upstream) undrain() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.removed.Store(false)
	u.drainedAll = false
	if u.drainT != nil && u.State() == Healthy {
		u.drainT.Stop()
		u.drainT = nil
	}
}

// maybeForget drops a removed upstream from the pool once it has nothing
// left in flight.
func (p *Pool) maybeForget(u *Upstream) {
	if !u.removed.Load() || u.requests.Load() > 0 || u.sockets.Load() > 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forgetLocked(u)
}

func (p *Pool) forgetLocked(u *Upstream) {
	if !u.removed.Load() || u.requests.Load() > 0 || u.sockets.Load() > 0 {
		return
	}
	if i := slices.Index(p.draining, u); i >= 0 {
		p.draining = slices.Delete(p.draining, i, i+1)
	}
	u.mu.Lock()
	if u.drainT != nil {
		u.drainT.Stop()
		u.drainT = nil
	}
	u.mu.Unlock()
}
