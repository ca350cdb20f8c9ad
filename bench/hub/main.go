// Command hub measures package hub on this machine: a room of many members
// spread over several instances, fed a steady few messages a second
// (deliveries a second, p50/p99 latency from Publish to the member), on the
// in-process broker and on an embedded three-node NATS cluster; and what a
// member costs the server beyond its WebSocket.
//
//	go run ./bench/hub                          # fan-out: local, then NATS
//	go run ./bench/hub -broker nats -duration 60s
//	go run ./bench/hub -mem                     # memory per member, 10,000 WebSockets over h1
//
// Fan-out: -members (10,000) join one room on -instances (3) Hubs, each
// member on a goroutine that waits on Ready and Takes, as a WebSocket
// handler does before it writes; a producer publishes -rate (5) messages a
// second through the Hubs in turn, each carrying its time, for -warmup plus
// -duration. A line a second goes to stderr; the summary to stdout; the
// latency of each second to the SVG chart -svg.
//
// With -ws the members are WebSocket clients instead, end to end: the
// instances run in a child process (this program, -serve), each a trio
// HTTP/1.1 server on loopback with a Hub, and every member is a WebSocket
// to one of them whose handler joins the room, reads, and writes what its
// Member takes (the chat's shape); the producer POSTs to an instance's
// /publish, which stamps each message as it publishes it, and the clients
// record the latency to their read. Members the hub dropped show as
// deliveries missing from "delivered N of M". The clients share the
// machine with the server, so they are lean by default (-client=epoll:
// the handshake by h1.DialWebSocket, then frames parsed as they are read,
// nothing allocated per message, the sockets read by one epoll loop);
// -client=ws makes each a ws.Conn read by a goroutine with ReadMessage.
//
// Memory: the server runs in a child process (this program, -serve) on
// trio's HTTP/1.1 engine over loopback; -members WebSockets connect to it
// three times, as plain WebSockets (a handler reading, the cost of the
// WebSocket itself), as hub members (reading, plus a writer goroutine
// taking from its Member: the chat's shape) and as ticker members (one
// goroutine taking and writing, none reading), and the child reports its
// Go heap and stacks after a GC each time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type options struct {
	brokers   []string
	members   int
	instances int
	rate      int
	size      int
	warmup    time.Duration
	duration  time.Duration
	svg       string
	profile   string
	cpu       string
	mem       bool
	ws        bool
	client    string
	readers   int
	serve     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case o.serve:
		err = serve(ctx, o, stdout)
	case o.mem:
		err = measureMemory(ctx, o, stdout, stderr)
	default:
		if o.cpu != "" {
			var f *os.File
			if f, err = os.Create(o.cpu); err != nil {
				break
			}
			defer f.Close()
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		err = fanouts(ctx, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hub bench: %v\n", err)
		return 1
	}
	return 0
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := new(options)
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("broker", "local,nats", "brokers to run, in turn: local, nats")
	fs.IntVar(&o.members, "members", 10000, "members of the room")
	fs.IntVar(&o.instances, "instances", 3, "instances (Hubs, and NATS nodes) the members are spread over")
	fs.IntVar(&o.rate, "rate", 5, "messages a second into the room")
	fs.IntVar(&o.size, "size", 64, "bytes per message")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "time before the figures count")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "time the figures count")
	fs.StringVar(&o.svg, "svg", "hub-latency.svg", "the chart of latency over time to write (\"\" for none)")
	fs.BoolVar(&o.ws, "ws", false, "fan-out to WebSocket clients of instances in a child process, not in-process members")
	fs.StringVar(&o.client, "client", defaultClient, "with -ws, the WebSocket clients: epoll (lean, read by -readers epoll loops; Linux), lean (lean, a goroutine each), ws (ws.Dial's Conn and ReadMessage, a goroutine each)")
	fs.IntVar(&o.readers, "readers", 1, "with -client=epoll: the goroutines reading the sockets, each with its own epoll instance")
	fs.BoolVar(&o.mem, "mem", false, "measure memory per member instead of fan-out")
	fs.StringVar(&o.profile, "profile", "", "with -mem: write the server's heap profile with each kind's WebSockets held to this directory")
	fs.StringVar(&o.cpu, "cpuprofile", "", "write a CPU profile of the fan-out (in-process) to this file")
	fs.BoolVar(&o.serve, "serve", false, "be -mem's server (internal)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.brokers = strings.Split(*brokers, ",")
	if o.client != "epoll" && o.client != "lean" && o.client != "ws" {
		fmt.Fprintf(stderr, "hub bench: -client %q: want epoll, lean or ws\n", o.client)
		return nil, errors.New("usage")
	}
	if o.members < 1 || o.instances < 1 || o.rate < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "hub bench: -members, -instances and -rate must be positive; no arguments")
		return nil, errors.New("usage")
	}
	return o, nil
}

// fanouts runs the fan-out on each broker and writes the summary and chart.
func fanouts(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	var results []*result
	for _, kind := range o.brokers {
		res, err := runFanout(ctx, o, kind, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		fmt.Fprintf(stdout, "hub fanout: %s\n", res)
		results = append(results, res)
	}
	if o.svg == "" {
		return nil
	}
	if err := os.WriteFile(o.svg, chart(results), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "chart: %s\n", o.svg)
	return nil
}
