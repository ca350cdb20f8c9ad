//go:build unix

package main

import (
	"os"
	"strings"
	"syscall"
)

// reexecWithXConnect replaces the process with itself, GODEBUG extended by
// http2xconnect=1, when needsXConnect: net/http reads GODEBUG once, at
// start-up, so setting it later has no effect. It execs at most once
// (TRIO_REEXEC marks the second run); on failure it returns and trio runs
// without WebSockets over Go's HTTP/2.
func reexecWithXConnect() {
	godebug := os.Getenv("GODEBUG")
	if os.Getenv("TRIO_REEXEC") != "" || !needsXConnect(os.Args[1:], godebug) {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	if godebug != "" {
		godebug += ","
	}
	env := []string{"GODEBUG=" + godebug + xconnect, "TRIO_REEXEC=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") { // the first of duplicates wins
			env = append(env, kv)
		}
	}
	syscall.Exec(exe, os.Args, env) // returns only on failure
}
