package config

import (
	"cmp"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/triohttp/trio/proxy"
)

// proxies is what a Runner keeps across reloads for the proxy routes:
// their pools, so that a route kept by a reload keeps its upstreams, their
// counters and WebSockets, and the upstream transports, so that kept
// routes keep their connections.
type proxies struct {
	pools proxy.Pools

	mu         sync.Mutex // guards transports
	transports map[transportKey]*proxy.Transport
}

type transportKey struct {
	caFile   string
	insecure bool
}

// transport returns the transport for p's upstream TLS settings.
func (px *proxies) transport(p *Proxy) *proxy.Transport {
	k := transportKey{p.CAFile, p.InsecureSkipVerify}
	px.mu.Lock()
	defer px.mu.Unlock()
	if t := px.transports[k]; t != nil {
		return t
	}
	if px.transports == nil {
		px.transports = map[transportKey]*proxy.Transport{}
	}
	t := &proxy.Transport{CAFile: p.CAFile, InsecureSkipVerify: p.InsecureSkipVerify}
	px.transports[k] = t
	return t
}

// closeTransports closes the upstream connections, at exit.
func (px *proxies) closeTransports() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for k, t := range px.transports {
		t.Close()
		delete(px.transports, k)
	}
}

// A proxyRoute is the handler of one [[site.proxy]].
type proxyRoute struct {
	prefix string
	h      http.Handler
}

// routes stages the pools of s's proxies in st and returns their handlers,
// longest prefix first. Each pool is named after the site and the prefix,
// "example.com/api/": the route label of its metrics.
func (px *proxies) routes(st *proxy.Staged, s *Site, logger *slog.Logger) ([]proxyRoute, error) {
	var rs []proxyRoute
	for i := range s.Proxies {
		p := &s.Proxies[i]
		t := px.transport(p)
		pool, err := st.Pool(poolConfig(s.Name+p.Path, p, t, logger), p.To...)
		if err != nil {
			return nil, err
		}
		var trusted []netip.Prefix
		for _, tp := range p.TrustedProxies {
			pre, _ := parsePrefix(tp) // checked by Load
			trusted = append(trusted, pre)
		}
		h := &proxy.Handler{Pool: pool, Transport: t, TrustedProxies: trusted, Logger: logger}
		rs = append(rs, proxyRoute{prefix: p.Path, h: h})
	}
	slices.SortStableFunc(rs, func(a, b proxyRoute) int { return cmp.Compare(len(b.prefix), len(a.prefix)) })
	return rs, nil
}

// poolConfig is the proxy.PoolConfig of p.
func poolConfig(name string, p *Proxy, t *proxy.Transport, logger *slog.Logger) proxy.PoolConfig {
	c := proxy.PoolConfig{
		Name:    name,
		Policy:  p.LB,
		HashKey: p.HashKey,
		Health: proxy.HealthCheck{
			Path:     p.Health.Path,
			Interval: p.Health.Interval.Duration,
			Timeout:  p.Health.Timeout.Duration,
			Status:   p.Health.Status,
		},
		Passive: proxy.PassiveCheck{
			Failures: p.Passive.Failures,
			Window:   p.Passive.Window.Duration,
			Cooldown: p.Passive.Cooldown.Duration,
		},
		DrainGrace: p.DrainGrace.Duration,
		Transport:  t,
		Logger:     logger,
	}
	if c.DrainGrace == 0 {
		c.DrainGrace = -1 // "0s": at once
	}
	return c
}

// matchPrefix reports whether path is under prefix: "/api/" takes
// "/api/x"; "/api" takes "/api" and "/api/x", not "/apix".
func matchPrefix(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || prefix[len(prefix)-1] == '/' || path[len(prefix)] == '/'
}

// withProxies serves the paths under each route's prefix with its proxy,
// the longest prefix first, and others with files.
func withProxies(files http.Handler, routes []proxyRoute) http.Handler {
	if len(routes) == 0 {
		return files
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range routes {
			if matchPrefix(r.URL.Path, rt.prefix) {
				rt.h.ServeHTTP(w, r)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}
