package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/triohttp/trio/config"
)

func init() {
	commands["validate"] = command{validate, "check a config file: paths, certificates, hosts, addresses"}
}

// validate loads and builds a config file without serving it. Each
// problem is printed as FILE:LINE:COL: key: message (hint), the form
// editors jump to, on its own line; the exit code is 1 if there is any.
func validate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trio validate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: trio validate FILE\n\n"+
			"Checks a config file as trio serve --config would load it: keys, values, paths,\n"+
			"certificates, hosts claimed twice, addresses. Prints each problem with its\n"+
			"line and column and exits 1, or prints \"FILE: ok\" and exits 0.\n")
	}
	if err := parseFlags(fs, args, stderr); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return usageError(stderr, "validate", err)
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "validate", fmt.Errorf("give one config file, got %d arguments", fs.NArg()))
	}
	file := fs.Arg(0)
	c, err := config.Load(file)
	if err == nil {
		_, err = c.Build(slog.New(slog.DiscardHandler))
	}
	var errs config.Errors
	switch {
	case errors.As(err, &errs):
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		return fail(stderr, exitError, "validate: %s: %d %s", file, len(errs), plural(len(errs), "error", "errors"))
	case err != nil:
		return fail(stderr, exitError, "validate: %s: %v", file, err)
	}
	names := make([]string, len(c.Sites))
	for i, s := range c.Sites {
		names[i] = s.Name
	}
	fmt.Fprintf(stdout, "%s: ok (%d %s: %s)\n", file, len(names), plural(len(names), "site", "sites"), strings.Join(names, ", "))
	return exitOK
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
