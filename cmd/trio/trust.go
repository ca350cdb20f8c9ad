package main

import (
	"context"
	"fmt"
	"io"

	"github.com/triohttp/trio/tlsconf"
)

func init() {
	commands["trust"] = command{func(_ context.Context, args []string, stdout, stderr io.Writer) int {
		return trust(args, stdout, stderr)
	}, "add the local CA to the system trust store"}
	commands["untrust"] = command{func(_ context.Context, args []string, stdout, stderr io.Writer) int {
		return untrust(args, stdout, stderr)
	}, "remove the local CA from the system trust store"}
}

// trust adds the local CA's root to the system trust store, creating the CA
// if this is its first use, and tells how to trust it in browsers.
func trust(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return fail(stderr, exitUsage, "trust takes no arguments")
	}
	ca := &tlsconf.LocalCA{}
	if err := ca.Load(); err != nil {
		return fail(stderr, exitError, "%v", err)
	}
	if err := tlsconf.DefaultTrustStore.Trust(ca.RootFile()); err != nil {
		return fail(stderr, exitError, "%v", err)
	}
	fmt.Fprintf(stdout, "The local CA %s is now trusted by the system (curl, Go, OpenSSL).\n\n%s", ca.RootFile(), tlsconf.BrowserHelp(ca.RootFile()))
	return exitOK
}

// untrust removes the local CA's root from the system trust store.
func untrust(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return fail(stderr, exitUsage, "untrust takes no arguments")
	}
	ca := &tlsconf.LocalCA{}
	if err := tlsconf.DefaultTrustStore.Untrust(ca.RootFile()); err != nil {
		return fail(stderr, exitError, "%v", err)
	}
	fmt.Fprintf(stdout, "The local CA %s is no longer trusted by the system.\n", ca.RootFile())
	return exitOK
}
