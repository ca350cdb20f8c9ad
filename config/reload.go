package config

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/observe"
)

// Reload re-reads the file being served and switches to it without
// dropping a connection. It loads and builds the new configuration
// completely first; then requests that start use the new sites and
// handshakes the new certificates, while those in flight, open
// connections and WebSockets go on. A listener whose address changed is
// opened before the old one stops (see trio.Server.Retire). The access log
// is reopened, so a rotated file is written anew.
//
// If the new file does not load or build, or changes a key that cannot
// change while serving (h2, h3, [cluster]), Reload changes nothing and returns why;
// each error line is logged (with the file, line and column) and the
// reload is counted as failed in the metrics.
func (r *Runner) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("config: reload: shutting down")
	}
	err := r.reload()
	r.metrics.Reloaded(err)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			r.logger.Error("config: reload refused; still serving the previous configuration", "error", line)
		}
		return err
	}
	r.logger.Info("config: reloaded", "file", r.cfg.Path)
	return nil
}

func (r *Runner) reload() error {
	c, err := Load(r.cfg.Path)
	if err != nil {
		return err
	}
	if err := r.fixed(c); err != nil {
		return err
	}
	b, err := c.build(r.logger, r.px, r.shared)
	if err != nil {
		return err
	}
	var ls *trio.Listeners // the new listen and http, if either changed
	if c.Listen != r.cfg.Listen || c.HTTP != r.cfg.HTTP {
		ls, err = r.relisten(c)
		if err != nil {
			return err
		}
	}
	var admin *adminServer
	if c.Admin != r.cfg.Admin && c.Admin != "" {
		if admin, err = r.listenAdmin(c.Admin); err != nil {
			if ls != nil {
				ls.Close()
			}
			return fmt.Errorf("admin: %w", err)
		}
	}
	oldLog, err := r.reopenLog(c.Log)
	if err != nil {
		if ls != nil {
			ls.Close()
		}
		if admin != nil {
			admin.ln.Close()
		}
		return err
	}

	// Nothing can fail from here on.
	newLS := r.ls
	if ls != nil {
		newLS = r.merged(ls, c)
		r.serve(ls)
		r.setPorts(newLS)
	}
	tlsPort, httpPort := r.ports(newLS)
	stop := b.Start(r.ctx, tlsPort, httpPort)
	r.certs.p.Store(b.TLS)
	r.handler.store(r.wrap(b, c))
	r.shared.Serving(b.demos...)
	r.stop()
	r.stop = stop
	if oldLog != nil {
		oldLog.Close() // the new file has no access log: the old one's lines are flushed
	}
	if ls != nil {
		r.retire(r.ls, newLS)
		r.ls = newLS
		r.logger.Info("config: reload: listeners moved", "urls", strings.Join(newLS.URLs(), " "))
	}
	if c.Admin != r.cfg.Admin {
		r.swapAdmin(admin)
		r.logger.Info("config: reload: admin listener moved", "admin", c.Admin)
	}
	r.cfg = c
	return nil
}

// fixed refuses changes to keys that cannot change while serving, one
// line per key, naming the file and the key.
func (r *Runner) fixed(c *Config) error {
	var lines []string
	refuse := func(key, why string) {
		lines = append(lines, fmt.Sprintf("%s: %s: cannot change while serving (%s)", c.Path, key, why))
	}
	if c.H2 != r.cfg.H2 {
		refuse("h2", "restart trio to turn HTTP/2 on or off")
	}
	if c.H3 != r.cfg.H3 {
		refuse("h3", "restart trio to turn HTTP/3 on or off")
	}
	if c.PIDFile != r.cfg.PIDFile {
		refuse("pid_file", "restart trio to move it")
	}
	if !c.Limits.equal(&r.cfg.Limits) {
		refuse("limits", "restart trio to change its limits")
	}
	if !c.Cluster.equal(&r.cfg.Cluster) {
		refuse("cluster", "restart trio to join, leave or change its cluster")
	}
	if c.Listen != r.cfg.Listen && !r.srv.H3.Disable && r.srv.H3.SelectedEngine() == h3.EngineStd {
		refuse("listen", "HTTP/3's std engine cannot hand a UDP socket over; restart trio")
	}
	if len(lines) > 0 {
		return errors.New(strings.Join(lines, "\n"))
	}
	return nil
}

// relisten opens the listen and http addresses of c that differ from
// those served.
func (r *Runner) relisten(c *Config) (*trio.Listeners, error) {
	listen, text := c.Listen, c.HTTP
	if listen == r.cfg.Listen {
		listen = ""
	}
	if text == r.cfg.HTTP {
		text = ""
	}
	ls, err := r.srv.ListenAt(listen, text)
	if err != nil {
		return nil, err
	}
	return ls, nil
}

// merged is the listener set after the hand-over: ls's for the addresses
// that changed, the current ones for the others.
func (r *Runner) merged(ls *trio.Listeners, c *Config) *trio.Listeners {
	m := *r.ls
	if c.Listen != r.cfg.Listen {
		m.TLS, m.QUIC = ls.TLS, ls.QUIC
	}
	if c.HTTP != r.cfg.HTTP {
		m.Cleartext = ls.Cleartext
	}
	return &m
}

// retire stops the listeners of old that are not in cur.
func (r *Runner) retire(old, cur *trio.Listeners) {
	gone := new(trio.Listeners)
	if len(old.TLS) > 0 && (len(cur.TLS) == 0 || old.TLS[0] != cur.TLS[0]) {
		gone.TLS, gone.QUIC = old.TLS, old.QUIC
	}
	if len(old.Cleartext) > 0 && (len(cur.Cleartext) == 0 || old.Cleartext[0] != cur.Cleartext[0]) {
		gone.Cleartext = old.Cleartext
	}
	if err := r.srv.Retire(gone); err != nil {
		r.logger.Error("config: reload: stopping the old listeners", "error", err)
	}
}

// reopenLog points the access log at l: reopened (same path after
// logrotate, or a new destination), opened, or, when l has none, returned
// to be closed once the new handler is in place.
func (r *Runner) reopenLog(l Log) (old *observe.AccessLog, err error) {
	switch {
	case l.Access == "" && r.log != nil:
		old, r.log = r.log, nil
		return old, nil
	case l.Access == "":
		return nil, nil
	case r.log == nil:
		r.log, err = openLog(l)
		return nil, err
	}
	if err := r.log.Reopen(l.Access, l.Format); err != nil {
		return nil, fmt.Errorf("config: access log: %w", err)
	}
	return nil, nil
}

// swapAdmin serves the new admin listener (nil: none) and stops the old
// one. The old one drains in the background: the reload may have come
// through it.
func (r *Runner) swapAdmin(admin *adminServer) {
	if old := r.admin; old != nil {
		r.served.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			old.shutdown(ctx)
		})
	}
	r.admin = admin
	if admin != nil {
		admin.serve()
	}
}
