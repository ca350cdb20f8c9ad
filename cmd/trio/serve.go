package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/static"
	"github.com/triohttp/trio/tlsconf"
)

func init() {
	commands["serve"] = command{serve, "serve DIR, or the demo site (the default command)"}
}

// serveFlags are the flags of `trio serve`.
type serveFlags struct {
	listen, http string
	certFlags
	hsts            bool
	noH2, noH3      bool
	h1Engine        string
	h2Engine        string
	h3Engine        string
	redirect        bool
	browse, spa     bool
	cleanURLs       bool
	shutdownTimeout time.Duration
	dir             string // the one argument; "" means the demo site
	verbose         bool
	config          string // --config FILE; the other flags then come from it
	pidFile         string
	set             map[string]bool // flags given on the command line
	traceFlags                      // --trace, --qlog: the protocol microscope
	clusterFlags                    // --cluster: NATS servers shared with other instances
	limitFlags                      // --max-conns, --max-conns-per-ip, ...: trio.Limits
}

func parseServe(args []string, stderr io.Writer) (*serveFlags, error) {
	f := new(serveFlags)
	fs := flag.NewFlagSet("trio serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: trio serve [flags] [DIR]\n\nServes DIR (or, without it, the demo site) over HTTP/1.1, HTTP/2 and HTTP/3.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.listen, "listen", trio.DefaultAddr, "TCP and UDP `address` for HTTPS and HTTP/3 (host \"localhost\" means 127.0.0.1 and ::1)")
	fs.StringVar(&f.http, "http", ":8080", "cleartext `address` for HTTP/1.1 and h2c; \"\" disables it")
	fs.StringVar(&f.cert, "cert", "", "certificate chain PEM `file` for the names it covers, reloaded when it changes (default: the local development CA)")
	fs.StringVar(&f.key, "key", "", "private key PEM `file` for --cert")
	fs.Var(&f.domains, "domain", "get and renew a certificate for this `name` with ACME (repeatable); implies accepting the CA's terms and redirecting cleartext to https")
	fs.StringVar(&f.acmeCA, "acme-ca", "", "ACME directory `URL` (default: Let's Encrypt)")
	fs.StringVar(&f.acmeCARoot, "acme-ca-root", "", "PEM `file` of roots to trust for the ACME directory (private CAs)")
	fs.StringVar(&f.email, "email", "", "contact `address` for the ACME account")
	fs.StringVar(&f.onDemandAllow, "on-demand-allow", "", "get certificates at first handshake for these `names` (comma-separated) only")
	fs.BoolVar(&f.hsts, "hsts", false, "send Strict-Transport-Security (one year) on https responses")
	fs.BoolVar(&f.noH2, "no-h2", false, "turn HTTP/2 off (TLS and h2c)")
	fs.StringVar(&f.h1Engine, "h1-engine", "", "HTTP/1.1 `engine`: trio (its own, the default) or std (Go's net/http)")
	fs.StringVar(&f.h2Engine, "h2-engine", "", "HTTP/2 `engine`: trio (its own, the default) or std (Go's built-in)")
	fs.BoolVar(&f.noH3, "no-h3", false, "turn HTTP/3 off (no UDP socket, no Alt-Svc)")
	fs.StringVar(&f.h3Engine, "h3-engine", "", "HTTP/3 `engine`: trio (its own, the default) or std (quic-go's http3)")
	fs.BoolVar(&f.redirect, "redirect", false, "make the cleartext listener redirect to https (308)")
	fs.BoolVar(&f.browse, "browse", true, "list directories without an index.html")
	fs.BoolVar(&f.spa, "spa", false, "serve /index.html for unknown extension-less paths (single-page apps)")
	fs.BoolVar(&f.cleanURLs, "clean-urls", false, "serve /about from about.html")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	fs.BoolVar(&f.verbose, "v", false, "log each connection error and notice")
	fs.StringVar(&f.config, "config", "", "serve the sites of this TOML `file` (see README); SIGHUP or trio reload re-reads it")
	fs.StringVar(&f.pidFile, "pid-file", "", "write the process id to this `file` while serving (for trio reload and systemd)")
	f.traceFlags.register(fs)   // --trace, --qlog
	f.clusterFlags.register(fs) // --cluster
	f.limitFlags.register(fs)   // --max-conns, --max-conns-per-ip, --max-handshakes, --fd-reserve
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	switch fs.NArg() {
	case 0:
	case 1:
		f.dir = fs.Arg(0)
	default:
		return nil, fmt.Errorf("serve takes at most one directory, got %d arguments", fs.NArg())
	}
	switch h1.Engine(f.h1Engine) {
	case "", h1.EngineTrio, h1.EngineStd:
	default:
		return nil, fmt.Errorf("--h1-engine must be %q or %q, not %q", h1.EngineTrio, h1.EngineStd, f.h1Engine)
	}
	switch h2.Engine(f.h2Engine) {
	case "", h2.EngineTrio, h2.EngineStd:
	default:
		return nil, fmt.Errorf("--h2-engine must be %q or %q, not %q", h2.EngineTrio, h2.EngineStd, f.h2Engine)
	}
	switch h3.Engine(f.h3Engine) {
	case "", h3.EngineTrio, h3.EngineStd:
	default:
		return nil, fmt.Errorf("--h3-engine must be %q or %q, not %q", h3.EngineTrio, h3.EngineStd, f.h3Engine)
	}
	if f.config != "" {
		return f, f.configConflict()
	}
	if err := f.clusterFlags.check(); err != nil { // --cluster
		return nil, err
	}
	if err := f.limitFlags.check(); err != nil {
		return nil, err
	}
	if err := checkAddr("--listen", f.listen, false); err != nil {
		return nil, err
	}
	if err := checkAddr("--http", f.http, true); err != nil {
		return nil, err
	}
	if (f.cert == "") != (f.key == "") {
		return nil, errors.New("--cert and --key go together")
	}
	if f.dir != "" {
		st, err := os.Stat(f.dir)
		if err != nil {
			return nil, fmt.Errorf("directory %q: %w", f.dir, errors.Unwrap(err))
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%q is not a directory", f.dir)
		}
		if d, err := os.Open(f.dir); err != nil {
			return nil, fmt.Errorf("directory %q: %w", f.dir, errors.Unwrap(err))
		} else {
			d.Close()
		}
	}
	return f, nil
}

// checkAddr reports a bad host:port now, as a usage error, rather than
// when the listener is opened.
func checkAddr(flagName, addr string, emptyOK bool) error {
	if addr == "" && emptyOK {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return fmt.Errorf("%s %q: want host:port, such as \"localhost:8443\" or \":443\"", flagName, addr)
	}
	return nil
}

// configKeys names, for each flag, what to set in the config file instead.
// The flags missing here (-v, --pid-file, the engines) go with --config.
var configKeys = map[string]string{
	"listen": "listen", "http": "http", "hsts": "hsts", "redirect": "redirect",
	"no-h2": "h2 = false", "no-h3": "h3 = false", "shutdown-timeout": "shutdown_timeout",
	"cert": "cert and key in a site's [site.tls]", "key": "cert and key in a site's [site.tls]",
	"domain": "the site's hosts (public names get ACME certificates)", "on-demand-allow": "on_demand in a site's [site.tls]",
	"acme-ca": "ca in [acme]", "acme-ca-root": "ca_root in [acme]", "email": "email in [acme]",
	"browse": "browse in a [[site]]", "spa": "spa in a [[site]]", "clean-urls": "clean_urls in a [[site]]",
	"cluster": "nats in [cluster]",
}

// configConflict returns the error for a flag given with --config: it
// names the key to set in the file instead.
func (f *serveFlags) configConflict() error {
	file := filepath.Base(f.config)
	names := make([]string, 0, len(f.set))
	for name := range f.set {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		key, ok := configKeys[name]
		if !ok {
			key, ok = limitConfigKeys[name]
		}
		if ok {
			return fmt.Errorf("--%s: set %s in %s instead", name, key, file)
		}
	}
	if f.dir != "" {
		return fmt.Errorf("%s: set root in a [[site]] of %s instead", f.dir, file)
	}
	return nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseServe(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "serve", err)
	}
	held := &heldWriter{w: stderr} // log lines wait for the banner
	defer held.release()
	logger := newLogger(held, f.verbose)
	early := func(code int, err error) int { // the error is the last line, after the held log
		held.release()
		return fail(stderr, code, "serve: %v", err)
	}
	if f.config != "" && f.traceFlags.on() {
		return early(exitUsage, errTraceConfig)
	}
	if f.config != "" {
		return serveConfig(ctx, f, logger, held, stdout, stderr)
	}

	srv := &trio.Server{Addr: f.listen, HTTPAddr: f.http, RedirectHTTP: f.redirect || f.acme(), Logger: logger}
	srv.H2.Disable, srv.H3.Disable = f.noH2, f.noH3
	srv.H1.Engine = h1.Engine(f.h1Engine)
	srv.H2.Engine = h2.Engine(f.h2Engine)
	srv.H3.Engine = h3.Engine(f.h3Engine)
	f.limitFlags.apply(srv)
	sh, err := f.clusterFlags.join(ctx, logger) // --cluster; else a hub of its own
	if err != nil {
		return early(exitError, err)
	}
	defer sh.Close()
	srv.Handler = siteHandler(f, sh.Hub)
	sh.Serving(srv.Handler) // drained before the listeners shut down
	if f.hsts {
		srv.Handler = tlsconf.HSTS(srv.Handler, 365*24*time.Hour)
	}
	if err := f.traceFlags.apply(srv, stdout, stderr); err != nil {
		return early(exitUsage, err)
	}

	router, err := f.router(ctx, logger)
	if err != nil {
		return early(exitUsage, err)
	}
	f.share = sh.UseStorage // --cluster: ACME's certificates in NATS
	srv.TLS = router
	ls, err := srv.Listen() // before ACME starts: it answers challenges on these ports
	if err != nil {
		return early(exitError, err)
	}
	stopPID, err := writePIDFile(f.pidFile)
	if err != nil {
		ls.Close()
		return early(exitError, err)
	}
	defer stopPID()
	stopACME := f.startACME(ctx, router, ls, logger)
	defer stopACME()
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	printBanner(stdout, f, ls, router.Local)
	held.release()

	drained, stopDrain := drainFirst(ctx, sh, f.shutdownTimeout) // the hub's WebSockets get 1012 first
	defer stopDrain()
	return serveUntilDone(drained, "serve", srv, served, f.shutdownTimeout, stdout, stderr)
}

// serveUntilDone waits until ctx ends or served reports that a listener
// died (or the certificate source failed), then shuts srv down, giving
// in-flight requests up to timeout. cmd names the command in messages.
func serveUntilDone(ctx context.Context, cmd string, srv *trio.Server, served <-chan error, timeout time.Duration, stdout, stderr io.Writer) int {
	select {
	case err := <-served:
		return fail(stderr, exitError, "%s: %v", cmd, err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "trio: shutting down; waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fail(stderr, exitError, "shutdown: %v (connections closed)", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, exitError, "%s: %v", cmd, err)
	}
	return exitOK
}

// siteHandler is what serve serves: DIR through static, or the demo site
// with its rooms on hb.
func siteHandler(f *serveFlags, hb *hub.Hub) http.Handler {
	if f.dir == "" {
		return demo.New(hb)
	}
	h := static.New(f.dir)
	h.Browse, h.SPA, h.CleanURLs = f.browse, f.spa, f.cleanURLs
	return h
}
