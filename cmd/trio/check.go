package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/triohttp/trio/conformance"
)

func init() {
	commands["check"] = command{check, "check how well a server follows the HTTP RFCs"}
}

// check runs the conformance suites against a URL: trio check URL.
func check(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trio check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: trio check [flags] URL\n\nSuites: %s\n\nFlags:\n", strings.Join(conformance.SuiteNames(), ", "))
		fs.PrintDefaults()
	}
	suites := fs.String("suite", "", "comma-separated suites to run (default all)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	insecure := fs.Bool("insecure", false, "do not verify the server's certificate")
	cacert := fs.String("cacert", "", "PEM `FILE` of CA certificates to trust instead of the system's")
	timeout := fs.Duration("timeout", 10*time.Second, "limit for each case")
	h3addr := fs.String("h3-addr", "", "UDP `host:port` of the HTTP/3 endpoint (default: from Alt-Svc)")
	wsPath := fs.String("ws", "", "`PATH` of a WebSocket echo endpoint for the ws suite (default: the URL's path)")
	if err := parseFlags(fs, args, stderr); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return usageError(stderr, "check", err)
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "check", fmt.Errorf("want one URL, got %d arguments", fs.NArg()))
	}
	opts := &conformance.Options{Insecure: *insecure, Timeout: *timeout, H3Addr: *h3addr, WSPath: *wsPath}
	if *suites != "" {
		opts.Suites = strings.Split(*suites, ",")
	}
	if *cacert != "" {
		pem, err := os.ReadFile(*cacert)
		if err != nil {
			return fail(stderr, exitUsage, "--cacert: %v", err)
		}
		opts.RootCAs = x509.NewCertPool()
		if !opts.RootCAs.AppendCertsFromPEM(pem) {
			return fail(stderr, exitUsage, "--cacert %s: no PEM certificate in it", *cacert)
		}
	}
	rep, err := conformance.Run(ctx, fs.Arg(0), opts)
	if err != nil {
		return fail(stderr, exitUsage, "check: %v", err)
	}
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fail(stderr, exitError, "check: writing the report: %v", err)
	}
	if rep.Failed() {
		return exitError
	}
	return exitOK
}
