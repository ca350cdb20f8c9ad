package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/triohttp/trio/lab"
)

func init() {
	commands["lab"] = command{labCmd, "the protocol lab: h1, h2 and h3 under packet loss, in a browser or measured (--run)"}
}

// labFlags are the flags of `trio lab`.
type labFlags struct {
	listen string
	noLink bool
	jitter time.Duration
	tcpCC  string
	run    bool
	loss   lossList
	delay  time.Duration
	rate   int64
	seed   uint64
	runs   int
	kind   string
	n      int
	protos string
	json   bool
	svg    string
}

// lossList is a comma-separated list of loss rates, fractions of 1.
type lossList []float64

func (l *lossList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (l *lossList) Set(v string) error {
	*l = nil
	for f := range strings.SplitSeq(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || x < 0 || x > 1 {
			return fmt.Errorf("loss %q is not a fraction between 0 and 1 (2%% is 0.02)", f)
		}
		*l = append(*l, x)
	}
	return nil
}

func labCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f labFlags
	fs := flag.NewFlagSet("trio lab", flag.ContinueOnError)
	fs.StringVar(&f.listen, "listen", ":9443", "the lab page's origins: h1 on this port, h2 on the next, h3 on the one after")
	fs.BoolVar(&f.noLink, "no-link", false, "serve on loopback without the impaired link (no root needed; only HTTP/3 is impaired)")
	fs.DurationVar(&f.jitter, "jitter", 0, "the link's jitter around --delay (the lab page)")
	fs.BoolVar(&f.run, "run", false, "measure headless: page loads over h1, h2 and h3 at each loss rate, with Go clients")
	fs.Var(&f.loss, "loss", "packet loss `rates`, fractions of 1, comma-separated: each is measured with --run (default 0,0.01,0.02,0.05); the page starts with one (default 0)")
	fs.StringVar(&f.tcpCC, "tcp-cc", lab.DefaultTCPCongestion, "the server's TCP congestion control with --run (cubic, as QUIC's; reno, bbr)")
	fs.DurationVar(&f.delay, "delay", lab.DefaultDelay, "one-way delay the link adds")
	fs.Int64Var(&f.rate, "rate", 0, "bytes per second each way; 0 is unlimited")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the link's drop pattern: the same seed drops the same packets")
	fs.IntVar(&f.runs, "runs", lab.DefaultRuns, "page loads per protocol and loss rate")
	fs.StringVar(&f.kind, "kind", lab.KindTiles, "what a page load fetches: tiles (small images) or page (a realistic page)")
	fs.IntVar(&f.n, "n", 0, "resources per page load (default 64 tiles, or a 40-resource page)")
	fs.StringVar(&f.protos, "protos", "h1,h2,h3", "protocols to measure, comma-separated")
	fs.BoolVar(&f.json, "json", false, "print the results as JSON instead of a table")
	fs.StringVar(&f.svg, "svg", "", "write a chart of the results to this SVG file")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: trio lab [--listen :9443] [--loss 0.02] [--delay 50ms]\n"+
			"       trio lab --run [--loss 0,0.02] [--delay 50ms] [--seed N] [--runs N] [--json] [--svg FILE]\n\n"+
			"trio lab serves the lab page on three origins (h1 only, h2 only, h3) behind a link\n"+
			"that drops and delays real IP packets (a network namespace and TUN devices: needs\n"+
			"root), and prints how to open them in Chromium and Firefox. With --run it measures\n"+
			"page loads over HTTP/1.1 (six connections), HTTP/2 (one connection) and HTTP/3 (one\n"+
			"QUIC connection) with Go clients instead, and prints a table.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return usageError(stderr, "lab", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "lab", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if !f.run {
		return labServe(ctx, f, stdout, stderr)
	}
	return labRun(ctx, f, stdout, stderr)
}

// labServe runs `trio lab`: the lab page until a signal.
func labServe(ctx context.Context, f labFlags, stdout, stderr io.Writer) int {
	if len(f.loss) > 1 {
		return usageError(stderr, "lab", errors.New("--loss takes one rate without --run (the page changes it)"))
	}
	imp := lab.Impairment{Delay: f.delay, Jitter: f.jitter, Rate: f.rate, Seed: f.seed}
	if len(f.loss) == 1 {
		imp.Loss = f.loss[0]
	}
	cfg := lab.Config{Impairment: imp, Addr: f.listen, NoLink: f.noLink}
	l, err := lab.Serve(ctx, cfg)
	if errors.Is(err, lab.ErrNeedRoot) {
		fmt.Fprintf(stderr, "trio: lab: %v.\nServing on loopback instead: HTTP/3 is impaired, HTTP/1.1 and HTTP/2 (TCP) are not. Run as root for the full lab.\n", err)
		cfg.NoLink = true
		l, err = lab.Serve(ctx, cfg)
	}
	if err != nil {
		return fail(stderr, exitError, "lab: %v", err)
	}
	defer l.Close()
	fmt.Fprintln(stdout, l.Banner())
	<-ctx.Done()
	return exitOK
}

// labRun runs `trio lab --run`.
func labRun(ctx context.Context, f labFlags, stdout, stderr io.Writer) int {
	cfg := lab.RunConfig{
		Loss:  f.loss,
		Delay: f.delay,
		Rate:  f.rate,
		Seed:  f.seed,
		Runs:  f.runs,
		Kind:  f.kind,
		N:     f.n,

		TCPCongestion: f.tcpCC,
	}
	if f.delay == 0 {
		cfg.Delay = -1 // none, rather than the default
	}
	for p := range strings.SplitSeq(f.protos, ",") {
		p = strings.TrimSpace(p)
		if p != lab.ProtoH1 && p != lab.ProtoH2 && p != lab.ProtoH3 {
			return usageError(stderr, "lab", fmt.Errorf("--protos: unknown protocol %q (want h1, h2 or h3)", p))
		}
		cfg.Protos = append(cfg.Protos, p)
	}
	if lab.Resources(f.kind, f.n) == nil {
		return usageError(stderr, "lab", fmt.Errorf("--kind %q: want %s or %s", f.kind, lab.KindTiles, lab.KindPage))
	}
	progress := newProgress(stderr)
	cfg.Progress = progress
	start := time.Now()
	rs, err := lab.Run(ctx, cfg)
	progress.done()
	if err != nil {
		if errors.Is(err, lab.ErrNeedRoot) {
			return fail(stderr, exitError, "%v; run it as root, or with sudo", err)
		}
		if ctx.Err() != nil {
			return fail(stderr, exitError, "lab: interrupted")
		}
		return fail(stderr, exitError, "%v", err) // it starts with "lab: "
	}
	loads := 0
	for _, r := range rs {
		loads += r.Runs
	}
	fmt.Fprintf(stderr, "trio lab: %d page loads in %v\n", loads, time.Since(start).Round(time.Second))
	if f.svg != "" {
		if err := os.WriteFile(f.svg, lab.ChartSVG(rs), 0o644); err != nil {
			return fail(stderr, exitError, "lab: %v", err)
		}
	}
	if f.json {
		b, err := json.MarshalIndent(rs, "", "  ")
		if err != nil {
			return fail(stderr, exitError, "lab: %v", err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	writeLabTable(stdout, rs)
	return exitOK
}

// writeLabTable prints rs as a table, a row per protocol and loss rate.
func writeLabTable(w io.Writer, rs []lab.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "proto\tloss\tdelay\truns\tmedian\tp95\tslowdown\tstall\tconns\tdropped\tretrans\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%g%%\t%gms\t%d\t%.0fms\t%.0fms\t×%.2f\t%.0fms\t%d\t%d\t%d\t\n",
			r.Proto, r.Loss*100, r.DelayMS, r.Runs, r.MedianMS, r.P95MS, r.Slowdown, r.StallMS, r.Conns, r.Dropped, r.Retrans)
	}
	tw.Flush()
	fmt.Fprint(w, "median, p95: page-complete time (first request to last byte); slowdown: median over the\n"+
		"loss-free median; stall: median over resources of the longest wait for bytes; conns: opened\n"+
		"per page load; dropped: packets the link dropped; retrans: TCP segments the server resent.\n")
}
