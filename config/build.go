package config

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/tlsconf"
)

// Built is what a Server needs from a Config, apart from its listeners.
type Built struct {
	// Handler routes each request to its site by Host or :authority:
	// 421 for an authority the connection's certificate does not cover,
	// the default site or 404 for unknown hosts.
	Handler http.Handler

	// TLS serves each site's certificates by SNI.
	TLS *tlsconf.Router

	// Start begins ACME, certificate-file watching and the proxies'
	// health checks once the listeners exist (ACME answers its challenges
	// on them), on the ports they are bound to; 0 means none (no http-01
	// challenge without a cleartext listener). It must be called before
	// TLS serves a handshake, once. Proxy routes that a reload keeps keep
	// their upstreams; the upstreams of removed ones drain. stop releases
	// what Start began: call it when this Built is replaced by a reload,
	// or at exit after Shutdown.
	Start func(ctx context.Context, tlsPort, httpPort int) (stop func())

	demos []http.Handler // the demo sites, for Shared.Serving
}

// Build makes the vhost handler and the certificate router of c, which
// Load returned. It starts nothing: no ACME, no file watches, no health
// checks. Its error
// is a file that changed since Load (a certificate, an error page).
func (c *Config) Build(logger *slog.Logger) (*Built, error) {
	return c.build(logger, new(proxies), nil)
}

// build is Build with the proxy pools and transports of px: those of the
// configuration being served, when reloading. Nothing in px changes until
// Start (see proxy.Staged). The demo sites run on sh's hub and ACME uses
// its cluster's storage if the file says so; nil sh gives each demo site
// a hub of its own.
func (c *Config) build(logger *slog.Logger, px *proxies, sh *Shared) (*Built, error) {
	if logger == nil {
		logger = slog.Default()
	}
	router, err := c.router(logger)
	if err != nil {
		return nil, err
	}
	sh.UseStorage(router)
	b := new(Built)
	v := &vhost{exact: map[string]*siteEntry{}, wild: map[string]*siteEntry{}}
	v.cert = router.Certificate
	staged := px.pools.Stage()
	for i := range c.Sites {
		s := &c.Sites[i]
		routes, err := px.routes(staged, s, logger)
		if err != nil {
			return nil, fmt.Errorf("config: site %q: %w", s.Name, err)
		}
		var demoSite http.Handler
		if s.Root == "" {
			demoSite = demo.New(sh.hub())
			b.demos = append(b.demos, demoSite)
		}
		h, err := siteHandler(s, routes, demoSite)
		if err != nil {
			return nil, fmt.Errorf("config: site %q: %w", s.Name, err)
		}
		e := &siteEntry{name: s.Name, handler: h}
		for _, host := range s.Hosts {
			host = normalizeHost(host)
			if parent, ok := strings.CutPrefix(host, "*."); ok {
				v.wild[parent] = e
			} else {
				v.exact[host] = e
			}
		}
		if c.DefaultSite != "" && s.Name == c.DefaultSite {
			v.def = e
		}
	}
	var h http.Handler = v
	if c.HSTS {
		h = tlsconf.HSTS(h, 365*24*time.Hour)
	}
	b.Handler, b.TLS = h, router
	b.Start = func(ctx context.Context, tlsPort, httpPort int) func() {
		staged.Commit() // the proxies' pools: kept ones updated, removed ones drain
		stop := start(ctx, router, tlsPort, httpPort, logger)
		return func() {
			stop()
			staged.Close() // unless a reload committed others since
		}
	}
	return b, nil
}

// start loads r's sources, starts ACME on the listeners' ports and
// watches the certificate files, until the returned stop is called.
func start(ctx context.Context, r *tlsconf.Router, tlsPort, httpPort int, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if a := r.ACME; a != nil {
		a.TLSPort, a.HTTPPort = tlsPort, httpPort
		a.DisableHTTPChallenge = httpPort == 0
		a.DisableTLSALPNChallenge = tlsPort == 0
	}
	if err := r.Load(); err != nil {
		logger.Error("config: loading certificates", "error", err)
	}
	if a := r.ACME; a != nil {
		wg.Go(func() {
			if err := a.Wait(ctx); err != nil && ctx.Err() == nil {
				logger.Error(err.Error()) // the names that failed; the others are served
			}
		})
	}
	for _, f := range r.Files {
		wg.Go(func() { f.Watch(ctx, 0) })
	}
	return func() {
		cancel()
		wg.Wait()
		if r.ACME != nil {
			r.ACME.Close()
		}
	}
}
