package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/proxy"
	"github.com/triohttp/trio/tlsconf"
)

func init() {
	commands["proxy"] = command{proxyCmd, "proxy to upstreams: trio proxy --to URL[,URL...] [--lb POLICY]"}
}

// proxyFlags are the flags of `trio proxy`.
type proxyFlags struct {
	to              stringList // --to, comma-separated, repeatable
	listen, http    string
	cert, key       string // certificate files for the names they cover; else the local CA
	pool            proxy.PoolConfig
	tr              proxy.Transport
	shutdownTimeout time.Duration
	verbose         bool
}

func parseProxy(args []string, stderr io.Writer) (*proxyFlags, error) {
	f := new(proxyFlags)
	fs := flag.NewFlagSet("trio proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: trio proxy --to URL[,URL...] [flags]\n\nProxies requests and WebSockets, over HTTP/1.1, HTTP/2 and HTTP/3, to the upstream URLs\n(http://, h2c://, https:// or h3://host:port).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.Var(&f.to, "to", "upstream `URLs`, comma-separated (repeatable)")
	fs.StringVar(&f.listen, "listen", trio.DefaultAddr, "TCP and UDP `address` for HTTPS and HTTP/3")
	fs.StringVar(&f.http, "http", ":8080", "cleartext `address` for HTTP/1.1 and h2c; \"\" disables it")
	fs.StringVar(&f.cert, "cert", "", "certificate chain PEM `file` for the names it covers, reloaded when it changes (default: the local development CA)")
	fs.StringVar(&f.key, "key", "", "private key PEM `file` for --cert")
	fs.StringVar(&f.pool.Policy, "lb", "round_robin", "balancing `policy`: round_robin, least_conn, random_two or hash")
	fs.StringVar(&f.pool.HashKey, "hash-key", "", "what --lb hash hashes: cookie:NAME, header:NAME, ip or query:NAME (default ip)")
	fs.StringVar(&f.pool.Health.Path, "health-path", "", "check each upstream with a GET of this `path` (a 2xx passes); none if empty")
	fs.DurationVar(&f.pool.Health.Interval, "health-interval", 5*time.Second, "time between health checks")
	fs.DurationVar(&f.pool.DrainGrace, "drain-grace", 10*time.Second, "how long the WebSockets of an upstream gone down stay open before 1012")
	fs.StringVar(&f.tr.CAFile, "ca-file", "", "PEM `file` of the roots https and h3 upstreams must chain to (default: the system's)")
	fs.BoolVar(&f.tr.InsecureSkipVerify, "insecure-skip-verify", false, "accept any certificate from https and h3 upstreams: no authentication")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	fs.BoolVar(&f.verbose, "v", false, "log each connection error and retry")
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("proxy takes no arguments, got %q; give upstreams with --to", fs.Arg(0))
	}
	var urls []string
	for _, v := range f.to {
		for u := range strings.SplitSeq(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				urls = append(urls, u)
			}
		}
	}
	if len(urls) == 0 {
		return nil, errors.New("--to: give at least one upstream URL, such as --to http://127.0.0.1:9000")
	}
	f.to = urls
	if err := checkAddr("--listen", f.listen, false); err != nil {
		return nil, err
	}
	if err := checkAddr("--http", f.http, true); err != nil {
		return nil, err
	}
	if f.pool.Policy == "hash" && f.pool.HashKey == "" {
		f.pool.HashKey = "ip"
	}
	if f.pool.Health.Path == "" {
		f.pool.Health.Interval = 0
	}
	if f.pool.DrainGrace == 0 {
		f.pool.DrainGrace = -1 // 0s: at once
	}
	f.pool.Name = "proxy"
	if p := f.pool.Health.Path; p != "" && p[0] != '/' {
		return nil, fmt.Errorf("--health-path %q: want a path starting with /", p)
	}
	check := f.pool
	check.Health = proxy.HealthCheck{} // no checks started: this pool only checks the flags
	p, err := proxy.NewPool(check, urls...)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "proxy: "))
	}
	p.Close()
	if (f.cert == "") != (f.key == "") {
		return nil, errors.New("--cert and --key go together")
	}
	if f.tr.CAFile != "" && f.tr.InsecureSkipVerify {
		return nil, errors.New("--ca-file and --insecure-skip-verify contradict each other")
	}
	return f, nil
}

func proxyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseProxy(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "proxy", err)
	}
	held := &heldWriter{w: stderr}
	defer held.release()
	logger := newLogger(held, f.verbose)
	f.pool.Logger = logger
	f.pool.Transport = &f.tr
	defer f.tr.Close()
	pool, err := proxy.NewPool(f.pool, f.to...)
	if err != nil {
		held.release()
		return fail(stderr, exitUsage, "proxy: %v", err)
	}
	defer pool.Close()
	router, err := (&certFlags{cert: f.cert, key: f.key}).router(ctx, logger)
	if err != nil {
		held.release()
		return usageError(stderr, "proxy", err)
	}
	ca := router.Local
	srv := &trio.Server{Addr: f.listen, HTTPAddr: f.http, Logger: logger, TLS: router,
		Handler: &proxy.Handler{Pool: pool, Transport: &f.tr, Logger: logger}}
	ls, err := srv.Listen()
	if err != nil {
		held.release()
		return fail(stderr, exitError, "proxy: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	printProxyBanner(stdout, f, ls, ca)
	held.release()

	return serveUntilDone(ctx, "proxy", srv, served, f.shutdownTimeout, stdout, stderr)
}

// printProxyBanner tells where trio listens and where it proxies to.
func printProxyBanner(w io.Writer, f *proxyFlags, ls *trio.Listeners, ca *tlsconf.LocalCA) {
	policy := f.pool.Policy
	if policy == "hash" {
		policy += " on " + f.pool.HashKey
	}
	fmt.Fprintf(w, "%s\nServing a reverse proxy\n", versionLine())
	for _, u := range ls.URLs() {
		if strings.HasPrefix(u, "https://") {
			proto := "HTTP/1.1, HTTP/2"
			if len(ls.QUIC) > 0 {
				proto += ", HTTP/3"
			}
			fmt.Fprintf(w, "  %-28s %s\n", u, proto)
		} else {
			fmt.Fprintf(w, "  %-28s HTTP/1.1, h2c\n", u)
		}
	}
	fmt.Fprintf(w, "Proxying to %s (%s)\n", strings.Join(f.to, ", "), policy)
	if f.cert != "" {
		fmt.Fprintf(w, "Certificates: %s for the names it covers (reloaded on change); the local CA for the others, root %s\n", f.cert, ca.RootFile())
	} else {
		fmt.Fprintf(w, "Certificates: the local CA, root %s; trust it with: trio trust\n", ca.RootFile())
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}
