package proxy

import (
	"time"
)

// PassiveCheck marks an upstream down for Cooldown once Failures requests
// to it failed within Window (the errors its Pick's done was given).
type PassiveCheck struct {
	Failures int           // 0 means no passive check
	Window   time.Duration // if zero, 10s
	Cooldown time.Duration // if zero, 30s
}

func (c PassiveCheck) window() time.Duration {
	if c.Window <= 0 {
		return 10 * time.Second
	}
	return c.Window
}

func (c PassiveCheck) cooldown() time.Duration {
	if c.Cooldown <= 0 {
		return 30 * time.Second
	}
	return c.Cooldown
}

// failed records a failed request to u for the passive check.
func (p *Pool) failed(u *Upstream, err error) {
	s := p.settings()
	pass := s.Passive
	if pass.Failures <= 0 {
		return
	}
	now := time.Now()
	u.mu.Lock()
	keep := u.fails[:0]
	for _, t := range u.fails {
		if now.Sub(t) < pass.window() {
			keep = append(keep, t)
		}
	}
	u.fails = append(keep, now)
	trip := len(u.fails) >= pass.Failures
	if trip {
		u.fails = u.fails[:0]
	}
	u.mu.Unlock()
	if !trip {
		return
	}
	wasDown := u.State() == Down
	u.until.Store(now.Add(pass.cooldown()).UnixNano())
	if !wasDown {
		s.Logger.Warn("proxy: upstream down after failed requests", "route", p.name, "upstream", u.raw,
			"failures", pass.Failures, "cooldown", pass.cooldown(), "error", err)
		p.scheduleDrain(u)
	}
}
