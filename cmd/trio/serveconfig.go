package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/tlsconf"
)

// serveConfig is trio serve --config FILE: it serves the file's sites
// until ctx ends, reloading the file on SIGHUP and on POST /reload to the
// admin listener.
func serveConfig(ctx context.Context, f *serveFlags, logger *slog.Logger, held *heldWriter, stdout, stderr io.Writer) int {
	c, err := config.Load(f.config)
	if err != nil {
		held.release()
		for _, line := range strings.Split(err.Error(), "\n") {
			fail(stderr, exitError, "serve: %s", line)
		}
		return exitError
	}
	pidFile := c.PIDFile
	if f.pidFile != "" {
		pidFile = f.pidFile
	}
	hup := make(chan os.Signal, 1)
	if len(reloadSignals) > 0 {
		signal.Notify(hup, reloadSignals...) // before the pid file says where to send it
		defer signal.Stop(hup)
	}
	r, err := config.Start(ctx, c, logger, func(s *trio.Server) {
		s.H1.Engine, s.H2.Engine, s.H3.Engine = h1.Engine(f.h1Engine), h2.Engine(f.h2Engine), h3.Engine(f.h3Engine)
	})
	if err != nil {
		held.release()
		return fail(stderr, exitError, "serve: %v", err)
	}
	removePID, err := writePIDFile(pidFile)
	if err == nil {
		defer removePID()
		printConfigBanner(stdout, c, r, pidFile)
		held.release()
		err = waitConfig(ctx, r, hup)
	}
	held.release()
	fmt.Fprintln(stdout, "trio: shutting down; waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), r.Config().ShutdownTimeout.Duration)
	defer cancel()
	if serr := r.Shutdown(sctx); serr != nil {
		fail(stderr, exitError, "shutdown: %v (connections closed)", serr)
	}
	if err != nil {
		return fail(stderr, exitError, "serve: %v", err)
	}
	return exitOK
}

// waitConfig serves until ctx ends (nil) or a listener fails (its error),
// reloading at each signal on hup. A failed reload is logged by the
// runner and changes nothing.
func waitConfig(ctx context.Context, r *config.Runner, hup <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-r.Failed():
			return err
		case <-hup:
			r.Reload()
		}
	}
}

// printConfigBanner tells which sites are served where, and how to reload.
func printConfigBanner(w io.Writer, c *config.Config, r *config.Runner, pidFile string) {
	fmt.Fprintf(w, "%s\nServing %s: %d site(s)\n", versionLine(), c.Path, len(c.Sites))
	for _, s := range c.Sites {
		root := s.Root
		if root == "" {
			root = "the demo site"
		}
		fmt.Fprintf(w, "  %-28s %s\n", strings.Join(s.Hosts, ", "), root)
	}
	ls := r.Listeners()
	secure := []string{"HTTP/1.1"}
	if c.H2 {
		secure = append(secure, "HTTP/2")
	}
	if len(ls.QUIC) > 0 {
		secure = append(secure, "HTTP/3 (QUIC on UDP)")
	}
	for _, u := range ls.URLs() {
		switch {
		case strings.HasPrefix(u, "https://"):
			fmt.Fprintf(w, "  %-28s %s\n", u, strings.Join(secure, ", "))
		case c.Redirect:
			fmt.Fprintf(w, "  %-28s redirects to https\n", u)
		default:
			fmt.Fprintf(w, "  %-28s HTTP/1.1, h2c\n", u)
		}
	}
	if a := r.AdminAddr(); a != nil {
		fmt.Fprintf(w, "  %-28s admin: /metrics, /healthz, POST /reload\n", "http://"+a.String())
	}
	if c.Log.Access != "" {
		fmt.Fprintf(w, "Access log: %s (%s)\n", c.Log.Access, c.Log.Format)
	}
	if usesLocalCA(c) {
		fmt.Fprintf(w, "Local names get certificates from the local CA %s; trust it with: trio trust\n", (&tlsconf.LocalCA{}).RootFile())
	}
	switch {
	case pidFile != "":
		fmt.Fprintf(w, "Reload: trio reload --pid-file %s, or kill -HUP %d\n", pidFile, os.Getpid())
	case len(reloadSignals) > 0:
		fmt.Fprintf(w, "Reload: kill -HUP %d\n", os.Getpid())
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

// usesLocalCA reports whether a site of c gets certificates from the local
// CA: a local name (under .localhost, localhost, an IP address) with no
// certificate files and no ACME issuer.
func usesLocalCA(c *config.Config) bool {
	for _, s := range c.Sites {
		if s.TLS.Cert != "" || s.TLS.Issuer == "acme" {
			continue
		}
		for _, h := range s.Hosts {
			if tlsconf.IsLocalName(h) {
				return true
			}
		}
	}
	return false
}
