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
	"sort"
	"syscall"
)

func main() {
	reexecWithXConnect() // before net/http reads GODEBUG, for --h2-engine std
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

// A command is one subcommand of trio: it parses its own args and returns an
// exit code.
type command struct {
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
	summary string // one line for the usage text
}

// commands maps subcommand names to their commands. Each subcommand's file
// adds itself in an init func, so adding one touches no other file.
var commands = map[string]command{}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage:\n  trio [serve] [flags] [DIR]   serve DIR, or the demo site, over HTTP/1.1, HTTP/2 and HTTP/3\n")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name != "serve" {
			fmt.Fprintf(w, "  trio %-23s %s\n", name, commands[name].summary)
		}
	}
	fmt.Fprint(w, "Run 'trio COMMAND -h' for a command's flags.\n")
}

// run is what tests call: no os.Exit, no globals beyond the command table.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve" // trio alone is trio serve
	if len(args) > 0 {
		if _, ok := commands[args[0]]; ok {
			name, args = args[0], args[1:]
		} else if h := args[0]; h == "help" || h == "-h" || h == "-help" || h == "--help" {
			usage(stdout)
			return exitOK
		}
	}
	return commands[name].run(ctx, args, stdout, stderr)
}

// fail prints one line naming the problem and returns code.
func fail(stderr io.Writer, code int, format string, a ...any) int {
	fmt.Fprintf(stderr, "trio: "+format+"\n", a...)
	return code
}
