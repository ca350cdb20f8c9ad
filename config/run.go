package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/observe"
)

// A Runner serves a Config on one trio.Server, and reloads it without
// dropping a connection: the handler and the certificates are swapped
// behind the Server, and only listeners whose address changed are handed
// over (see Reload). Make one with Start.
type Runner struct {
	logger  *slog.Logger
	metrics *observe.Metrics
	srv     *trio.Server
	handler swapHandler
	certs   swapSource
	px      *proxies        // the proxy routes' pools, kept across reloads
	shared  *Shared         // the cluster and the hub, kept across reloads
	ctx     context.Context // Start's: ACME runs until it ends or Shutdown

	failed  chan error  // a listener died; first error only
	healthy atomic.Bool // false once Shutdown starts
	tlsPort atomic.Int32

	mu     sync.Mutex // serializes Reload and Shutdown; guards below
	cfg    *Config
	stop   func()             // releases cfg's Built: ACME, file watches
	log    *observe.AccessLog // nil when cfg has none
	ls     *trio.Listeners    // listen and http
	admin  *adminServer       // nil when cfg has no admin address
	closed bool
	served sync.WaitGroup // ServeListeners calls
}

// Start joins c's cluster (see Cluster.Start) and makes the hub the demo
// sites share, builds c, opens its listeners, the admin listener and the
// access log, starts ACME and certificate watching, and serves until
// Shutdown. It returns once every listener is open. opts, if any, are
// applied to the trio.Server before it serves, for what the file does not
// set (the protocol engines, the logger's level).
func Start(ctx context.Context, c *Config, logger *slog.Logger, opts ...func(*trio.Server)) (*Runner, error) {
	if logger == nil {
		logger = slog.Default()
	}
	r := &Runner{logger: logger, metrics: observe.NewMetrics(), ctx: ctx, failed: make(chan error, 1), cfg: c, px: new(proxies)}
	sh, err := c.Cluster.Start(ctx, logger)
	if err != nil {
		return nil, err
	}
	if err := r.start(c, sh, opts); err != nil {
		sh.Close()
		return nil, err
	}
	return r, nil
}

// start is Start once the cluster is joined.
func (r *Runner) start(c *Config, sh *Shared, opts []func(*trio.Server)) error {
	logger, ctx := r.logger, r.ctx
	r.shared = sh
	b, err := c.build(logger, r.px, sh)
	if err != nil {
		return err
	}
	r.metrics.Registerer().MustRegister(&r.px.pools) // once: it reports the pools of the moment
	r.srv = &trio.Server{Addr: c.Listen, HTTPAddr: c.HTTP, Handler: &r.handler, TLS: &r.certs, Logger: logger, Observer: r.metrics}
	r.srv.H2.Disable, r.srv.H3.Disable = !c.H2, !c.H3
	c.Limits.apply(r.srv)
	for _, o := range opts {
		o(r.srv)
	}
	if r.log, err = openLog(c.Log); err != nil {
		return err
	}
	if r.ls, err = r.srv.Listen(); err != nil {
		r.closeLog()
		return err
	}
	if c.Admin != "" {
		if r.admin, err = r.listenAdmin(c.Admin); err != nil {
			r.ls.Close()
			r.closeLog()
			return err
		}
	}
	r.healthy.Store(true)
	r.setPorts(r.ls)
	tlsPort, httpPort := r.ports(r.ls)
	r.stop = b.Start(ctx, tlsPort, httpPort)
	r.certs.p.Store(b.TLS)
	r.handler.store(r.wrap(b, c))
	sh.Serving(b.demos...)
	r.metrics.SetCertExpiry(func() map[string]time.Time { return r.certs.p.Load().Expiries() })
	r.serve(r.ls)
	if r.admin != nil {
		r.admin.serve()
	}
	return nil
}

// Listeners are the sockets of listen and http being served.
func (r *Runner) Listeners() *trio.Listeners {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ls
}

// AdminAddr is the admin listener's address, or nil without one.
func (r *Runner) AdminAddr() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.admin == nil {
		return nil
	}
	return r.admin.ln.Addr()
}

// Config is the configuration being served.
func (r *Runner) Config() *Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// Metrics are the runner's metrics, also served on the admin listener.
func (r *Runner) Metrics() *observe.Metrics { return r.metrics }

// Failed delivers the error of a listener that stopped serving on its
// own; the caller should Shutdown.
func (r *Runner) Failed() <-chan error { return r.failed }

// wrap is the handler for b: the access log and metrics outermost, then
// the redirect to https on cleartext when c asks for it, then b's sites.
func (r *Runner) wrap(b *Built, c *Config) http.Handler {
	h := b.Handler
	if c.Redirect {
		sites := h
		h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.TLS == nil {
				h1.RedirectHTTPS(int(r.tlsPort.Load())).ServeHTTP(w, req)
				return
			}
			sites.ServeHTTP(w, req)
		})
	}
	return observe.Handler(h, r.log, r.metrics)
}

// serve serves ls until Shutdown or Retire; any other end is a failure.
func (r *Runner) serve(ls *trio.Listeners) {
	r.served.Go(func() {
		if err := r.srv.ServeListeners(ls); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, trio.ErrListenerRetired) {
			select {
			case r.failed <- err:
			default:
			}
		}
	})
}

// ports are the TLS and cleartext ports of ls, 0 for none, as ACME wants.
func (r *Runner) ports(ls *trio.Listeners) (tlsPort, httpPort int) {
	if len(ls.TLS) > 0 {
		tlsPort = ls.TLS[0].Addr().(*net.TCPAddr).Port
	}
	if len(ls.Cleartext) > 0 {
		httpPort = ls.Cleartext[0].Addr().(*net.TCPAddr).Port
	}
	return tlsPort, httpPort
}

func (r *Runner) setPorts(ls *trio.Listeners) {
	if p, _ := r.ports(ls); p != 0 {
		r.tlsPort.Store(int32(p))
	}
}

func openLog(l Log) (*observe.AccessLog, error) {
	if l.Access == "" {
		return nil, nil
	}
	a, err := observe.OpenAccessLog(l.Access, l.Format)
	if err != nil {
		return nil, fmt.Errorf("config: access log: %w", err)
	}
	return a, nil
}

func (r *Runner) closeLog() error {
	if r.log == nil {
		return nil
	}
	err := r.log.Close()
	r.log = nil
	return err
}

// Shutdown stops gracefully: /healthz answers 503 from now on, the hub
// closes (the demo's WebSockets get 1012, service restart, and move to
// another instance), the Server drains (see trio.Server.Shutdown), ACME
// stops, the instance leaves its cluster, and the access log is flushed
// and closed, with every line of the requests served; then the admin
// listener closes. A Reload waiting to start is refused.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.healthy.Store(false)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	admin := r.admin
	r.mu.Unlock() // a POST /reload in flight can finish while the admin listener drains

	r.shared.Drain(ctx)
	errs := []error{r.srv.Shutdown(ctx)}
	r.served.Wait()
	r.stop()
	errs = append(errs, r.shared.Close())
	r.px.closeTransports()
	errs = append(errs, r.closeLog())
	if admin != nil {
		errs = append(errs, admin.shutdown(ctx))
	}
	return errors.Join(errs...)
}
