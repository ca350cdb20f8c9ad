// Command soak runs trio for a while under a steady mixed load and says
// whether its memory, goroutines and file descriptors stay flat.
//
//	go run ./bench/soak                      # 10 minutes, results printed
//	go run ./bench/soak -d 10m -save bench/results
//
// It starts a trio.Server in a child process (this binary again, so that
// the RSS it reads is the server's alone) on 127.0.0.1 with a throwaway
// local CA, then for -d sends -rate requests a second spread over
// HTTP/1.1, HTTP/2 and HTTP/3 (small and 64 KiB GETs, 4 KiB POSTs echoed;
// every -churn the clients drop their idle connections and open new ones)
// while -ws WebSockets, a third over each protocol, sit idle. Every
// -every it samples the server: RSS (/proc/PID/statm), live heap and
// heap in use, goroutines (the server's runtime/metrics, over /stats) and
// open file descriptors (/proc/PID/fd), and prints a line. At the end it
// prints a table (one row a minute) and a summary of start (after the
// first minute's warm-up), peak and end of each, with a verdict: flat when
// the last minute's mean is within 10% (plus a small absolute slack) of
// the second minute's. Then the clients and WebSockets close and the
// samples go on for -after, to see what memory the server hands back once
// the load is gone. With -save DIR it writes DIR/YYYY-MM-DD-HHMM-soak.txt
// (the output) and DIR/YYYY-MM-DD-HHMM-soak.svg (memory, goroutines and
// fds over time).
//
// Not run by go test beyond a short smoke test (TestSoakSmoke).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if dir := os.Getenv(serveEnv); dir != "" {
		os.Exit(serve(dir, os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the flags of a run.
type options struct {
	Duration time.Duration
	Every    time.Duration
	Rate     int
	WS       int
	Churn    time.Duration
	Warm     time.Duration
	After    time.Duration
	Save     string
}

// run is what tests call: no os.Exit, no globals.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	if _, err := soak(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 1
	}
	return 0
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := new(options)
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: soak [flags]\n\nRuns a trio server under a steady mixed h1/h2/h3 and idle WebSocket load and samples it.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.DurationVar(&o.Duration, "d", 10*time.Minute, "how long the load runs")
	fs.DurationVar(&o.Every, "every", time.Second, "time between two samples")
	fs.IntVar(&o.Rate, "rate", 150, "requests a second, spread evenly over h1, h2 and h3")
	fs.IntVar(&o.WS, "ws", 300, "idle WebSockets held, a third over each protocol")
	fs.DurationVar(&o.Churn, "churn", 10*time.Second, "clients drop idle connections and open new ones this often; 0: never")
	fs.DurationVar(&o.Warm, "warm", time.Minute, "first part of the run left out of the start figures and the verdict")
	fs.DurationVar(&o.After, "after", 40*time.Second, "after the load, close the clients and WebSockets and go on sampling this long")
	fs.StringVar(&o.Save, "save", "", "write YYYY-MM-DD-HHMM-soak.txt and .svg to this `dir`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Duration <= 0 || o.Every <= 0 || o.Rate < 0 || o.WS < 0 || o.Warm < 0 || o.After < 0 {
		return nil, errors.New("-d and -every must be positive, -rate, -ws, -warm and -after not negative")
	}
	return o, nil
}
