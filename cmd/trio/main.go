// Command trio serves a web site, or any directory, over HTTP/1.1, HTTP/2
// and HTTP/3. Run with no arguments it serves a demo site on
// https://localhost:8443 and http://localhost:8080.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
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
	fmt.Fprint(w, "Usage:\n  trio [serve] [flags] [DIR]   serve DIR, or the demo site, over HTTP/1.1, HTTP/2 and HTTP/3\n"+
		"  trio serve --config FILE     serve the sites of a TOML file; SIGHUP or trio reload re-reads it\n")
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
		a := args[0]
		if _, ok := commands[a]; ok {
			name, args = a, args[1:]
		} else if a == "help" || a == "-h" || a == "-help" || a == "--help" {
			usage(stdout)
			return exitOK
		} else if commandLike.MatchString(a) && !isDir(a) {
			return unknownCommand(stderr, a)
		}
	}
	return commands[name].run(ctx, args, stdout, stderr)
}

// commandLike matches an argument that reads as a command word rather
// than a path: trio takes a lone word for a directory only if one exists.
var commandLike = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// unknownCommand says that word is no command, suggesting the nearest.
func unknownCommand(stderr io.Writer, word string) int {
	best, dist := "", 3 // suggest only within two edits
	for name := range commands {
		if d := editDistance(word, name); d < dist || (d == dist && name < best) {
			best, dist = name, d
		}
	}
	if best != "" {
		fail(stderr, exitUsage, "unknown command %q; did you mean %s?", word, best)
	} else {
		fail(stderr, exitUsage, "unknown command %q, and no directory of that name", word)
	}
	fmt.Fprintln(stderr, "Run 'trio help' for the commands.")
	return exitUsage
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// fail prints one line naming the problem and returns code. The line has
// one "trio: " prefix, also when an error in it brings its own.
func fail(stderr io.Writer, code int, format string, a ...any) int {
	msg := fmt.Sprintf(format, a...)
	msg = strings.ReplaceAll(strings.TrimPrefix(msg, "trio: "), ": trio: ", ": ")
	fmt.Fprintf(stderr, "trio: %s\n", msg)
	return code
}

// parseFlags parses args into fs without printing: -h prints fs.Usage and
// returns flag.ErrHelp; any other error is the caller's to report once,
// with usageError, instead of flag's error and the whole usage.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	show := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(flagsFirst(fs, args))
	fs.SetOutput(stderr)
	fs.Usage = show
	if errors.Is(err, flag.ErrHelp) {
		show()
	}
	return err
}

// flagsFirst moves the flags among args in front of the other arguments,
// so that "trio serve DIR --listen :443" works as "trio serve --listen :443
// DIR" does. A flag's value follows it unless it is a bool flag or written
// -flag=value; everything after "--" stays where it is.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(flags, a), append(rest, args[i+1:]...)...)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			fl := fs.Lookup(name)
			if fl == nil {
				continue // Parse reports it
			}
			if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

// usageError prints err once for command name, then a one-line hint
// instead of the usage, and returns exitUsage.
func usageError(stderr io.Writer, name string, err error) int {
	fail(stderr, exitUsage, "%s: %v", name, err)
	fmt.Fprintf(stderr, "Run 'trio %s -h' for usage.\n", name)
	return exitUsage
}
