// Command trio serves a web site, or any directory, over HTTP/1.1, HTTP/2
// and HTTP/3. Run with no arguments it serves a demo site on
// https://localhost:8443 and http://localhost:8080.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // bad flags, arguments or paths
)

const usage = `Usage:
  trio [serve] [flags] [DIR]   serve DIR, or the demo site, over HTTP/1.1, HTTP/2 and HTTP/3
  trio trust                   add the local CA to the system trust store
  trio untrust                 remove it again
  trio version                 print the version
Run 'trio serve -h' for the serve flags.
`

// run is what tests call: no os.Exit, no globals.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "trust", "untrust", "version":
			cmd, args = args[0], args[1:]
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	switch cmd {
	case "trust":
		return trust(args, stdout, stderr)
	case "untrust":
		return untrust(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	return serve(ctx, args, stdout, stderr)
}

// fail prints one line naming the problem and returns code.
func fail(stderr io.Writer, code int, format string, a ...any) int {
	fmt.Fprintf(stderr, "trio: "+format+"\n", a...)
	return code
}
