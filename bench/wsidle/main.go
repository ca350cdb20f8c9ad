// Command wsidle opens many idle WebSockets to one server, holds them, and
// says what they cost the server: bench/run.sh runs it against `trio serve`
// once per HTTP version.
//
//	wsidle -http h2 -n 10000 -conns 100 -cacert root.pem -pid 1234 wss://127.0.0.1:8443/ws/echo
//
// Over HTTP/1.1 each WebSocket is its own TLS connection (ws.Dial). Over
// HTTP/2 and HTTP/3 a WebSocket is a stream (RFC 8441, RFC 9220), so the
// streams are spread evenly over -conns connections opened up front, as a
// browser shares one connection per origin; ws.Dial opens a connection per
// WebSocket, so wsidle calls h2.DialWebSocket and h3.DialWebSocket on
// shared client connections instead. No frames are sent: the WebSockets are
// idle from the handshake on.
//
// First one warm-up WebSocket is opened on a connection of its own and kept
// open. With -pid, the server's VmRSS (from /proc/PID/status) is read then,
// and again at the end of -hold with all WebSockets open; the growth over
// the count is bytes_per_conn. Everything is bounded: -dial-timeout each
// handshake, -timeout the whole run. Progress goes to stderr; the last
// line, on stdout, is key=value pairs:
//
//	wsidle: http=h2 opened=10000 want=10000 conns=100 open_s=2.1 rss_before=... rss_held=... bytes_per_conn=... failed=0
//
// VmRSS counts more than what the connections hold: the garbage their
// handshakes left that the collector has not handed back, and the Go
// heap's headroom, which grows with the live heap and the goroutine
// stacks together (GOGC). A heap profile of the server (live heap and
// stacks in use) says what each connection holds itself.
//
// The exit status is 1 if fewer than -n WebSockets opened.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is what tests call: no os.Exit, no globals.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wsidle: %v\n", err)
		return 2
	}
	res, err := hold(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wsidle: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, res)
	if res.Opened < o.N {
		return 1
	}
	return 0
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := new(options)
	var caFile string
	var insecure bool
	fs := flag.NewFlagSet("wsidle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: wsidle [flags] wss://HOST:PORT/PATH\n\nOpens -n idle WebSockets, holds them for -hold, closes them.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.HTTP, "http", "h1", "HTTP `version`: h1, h2 or h3")
	fs.IntVar(&o.N, "n", 10000, "WebSockets to open")
	fs.IntVar(&o.Conns, "conns", 100, "connections to spread the WebSockets over (h2, h3; h1 uses one each)")
	fs.IntVar(&o.Parallel, "c", 32, "handshakes in flight")
	fs.DurationVar(&o.Hold, "hold", 3*time.Second, "how long to hold them once open (SIGINT or SIGTERM ends it early)")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Second, "limit for the whole run: opening and holding")
	fs.DurationVar(&o.DialTimeout, "dial-timeout", 10*time.Second, "limit for one connection or WebSocket handshake")
	fs.StringVar(&o.Origin, "origin", "", "Origin header (default: the https origin of the URL)")
	fs.IntVar(&o.PID, "pid", 0, "server process `id` whose VmRSS to read (Linux); 0 reads none")
	fs.StringVar(&caFile, "cacert", "", "trust the CA certificates in this PEM `file`")
	fs.BoolVar(&insecure, "insecure", false, "do not verify the server's certificate")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, fmt.Errorf("want one URL, got %d arguments", fs.NArg())
	}
	o.URL = fs.Arg(0)
	switch o.HTTP {
	case "h1", "http/1.1", "h2", "h3":
	default:
		return nil, fmt.Errorf("-http %q: want h1, h2 or h3", o.HTTP)
	}
	o.TLS = &tls.Config{InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		o.TLS.RootCAs = x509.NewCertPool()
		if !o.TLS.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", caFile)
		}
	}
	return o, nil
}
