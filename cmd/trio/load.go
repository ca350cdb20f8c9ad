package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/triohttp/trio/bench/load"
)

func init() {
	commands["load"] = command{loadCmd, "load-test a URL over h1, h2 or h3"}
}

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags http.Header

func (h headerFlags) String() string { return "" }

func (h headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", s)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

func parseLoad(args []string, stderr io.Writer) (*load.Options, bool, error) {
	o := &load.Options{Header: http.Header{}}
	var proto string
	var asJSON bool
	fs := flag.NewFlagSet("trio load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: trio load [flags] URL\n\nSends requests to URL over one protocol until -d passes or -n are sent, then prints\nrequests/s, body MB/s (10^6 bytes), latency percentiles and errors by kind.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&proto, "proto", "h1", "`protocol`: h1, h2 (h2c for http:// URLs) or h3")
	fs.IntVar(&o.Conns, "c", 1, "`connections`")
	fs.IntVar(&o.Streams, "m", 1, "concurrent `streams` per connection (h2, h3)")
	fs.DurationVar(&o.Duration, "d", 10*time.Second, "stop after this `duration`, also with -n")
	fs.IntVar(&o.Requests, "n", 0, "stop after this many `requests` (0: only -d stops)")
	fs.StringVar(&o.Method, "X", "GET", "request `method`")
	fs.Var(headerFlags(o.Header), "H", "request `header` \"Name: value\" (repeatable; Host sets the authority)")
	fs.BoolVar(&o.Insecure, "insecure", false, "do not verify the server's certificate")
	fs.StringVar(&o.CAFile, "cacert", "", "trust the CA certificates in this PEM `file`")
	fs.BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, false, err
	}
	if fs.NArg() != 1 {
		return nil, false, fmt.Errorf("want one URL, got %d arguments", fs.NArg())
	}
	o.URL, o.Proto = fs.Arg(0), load.Proto(proto)
	if o.Duration <= 0 {
		return nil, false, errors.New("-d must be positive: every run is bounded in time")
	}
	return o, asJSON, nil
}

func loadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, asJSON, err := parseLoad(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "load", err)
	}
	res, err := load.Run(ctx, *o)
	if err != nil {
		return fail(stderr, exitUsage, "%v", err)
	}
	if asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return fail(stderr, exitError, "load: %v", err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprint(stdout, res)
	}
	if res.Requests == 0 {
		return fail(stderr, exitError, "load: no request completed (%d failed)", res.Failed)
	}
	return exitOK
}
