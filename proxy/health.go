package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// HealthCheck is an active health check: a GET of Path on each upstream
// every Interval. An upstream that fails one (an error, a timeout or
// another status) is marked down: it gets no new request, and its
// WebSockets are closed after the drain grace unless it is back by then.
// It takes requests again once a check passes.
type HealthCheck struct {
	Path     string        // e.g. "/healthz"; "" means no active check
	Interval time.Duration // if zero, 5s
	Timeout  time.Duration // if zero, 2s or Interval if shorter
	Status   int           // the status expected; if zero, any 2xx
}

func (h HealthCheck) interval() time.Duration {
	if h.Interval <= 0 {
		return 5 * time.Second
	}
	return h.Interval
}

func (h HealthCheck) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return min(2*time.Second, h.interval())
}

func (h HealthCheck) validate() error {
	switch {
	case h.Path == "" && (h.Interval != 0 || h.Timeout != 0 || h.Status != 0):
		return fmt.Errorf("proxy: health check without a path")
	case h.Path != "" && h.Path[0] != '/':
		return fmt.Errorf("proxy: health check path %q does not start with /", h.Path)
	case h.Interval < 0 || h.Timeout < 0:
		return fmt.Errorf("proxy: health check interval and timeout must be positive")
	case h.Status != 0 && (h.Status < 100 || h.Status > 599):
		return fmt.Errorf("proxy: health check status %d is not an HTTP status", h.Status)
	}
	return nil
}

func (h HealthCheck) passes(status int) bool {
	if h.Status == 0 {
		return status >= 200 && status < 300
	}
	return status == h.Status
}

// startHealth starts the pool's active checks, if it has one: a goroutine
// that checks every live upstream each interval, and at once when kicked.
// It sets p.stop and p.kick; p.mu is held.
func (p *Pool) startHealth() {
	s := p.settings()
	h, rt := s.Health, s.Transport
	if h.Path == "" {
		p.stop, p.kick = func() {}, nil
		for _, u := range *p.live.Load() {
			u.down.Store(false) // no active check left to bring it back
		}
		return
	}
	var own *Transport // closed with the checks
	if rt == nil {
		own = &Transport{}
		rt = own
	}
	ctx, cancel := context.WithCancel(context.Background())
	kick := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(h.interval())
		defer t.Stop()
		for {
			p.checkAll(ctx, h, rt)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-kick:
			}
		}
	})
	p.kick = kick
	p.stop = func() {
		cancel()
		wg.Wait()
		if own != nil {
			own.Close()
		}
	}
}

// checkAll checks the live upstreams at once and waits for the results.
func (p *Pool) checkAll(ctx context.Context, h HealthCheck, rt http.RoundTripper) {
	var wg sync.WaitGroup
	for _, u := range *p.live.Load() {
		wg.Go(func() {
			err := check(ctx, h, rt, u)
			if ctx.Err() == nil { // not a check cut short by stop
				p.setActive(u, err)
			}
		})
	}
	wg.Wait()
}

// check GETs the health path of u; nil if it answered as expected.
func check(ctx context.Context, h HealthCheck, rt http.RoundTripper, u *Upstream) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	target := *u.URL
	target.Path = singleJoin(u.URL.Path, h.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "trio-health-check")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if !h.passes(resp.StatusCode) {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// setActive records the result of an active check of u.
func (p *Pool) setActive(u *Upstream, err error) {
	u.mu.Lock()
	if err != nil {
		u.checkErr = err.Error()
	} else {
		u.checkErr = ""
	}
	u.mu.Unlock()
	u.checks[btoi(err == nil)].Add(1)
	log := p.settings().Logger
	if err == nil {
		if u.down.CompareAndSwap(true, false) {
			log.Info("proxy: upstream up", "route", p.name, "upstream", u.raw)
		}
		return
	}
	if u.down.CompareAndSwap(false, true) {
		log.Warn("proxy: upstream down", "route", p.name, "upstream", u.raw, "error", err)
		p.scheduleDrain(u)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// singleJoin joins an upstream's path prefix and a path with one slash.
func singleJoin(prefix, path string) string {
	switch {
	case prefix == "" || prefix == "/":
		return path
	case prefix[len(prefix)-1] == '/' && path[0] == '/':
		return prefix + path[1:]
	}
	return prefix + path
}
