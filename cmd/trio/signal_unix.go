//go:build unix

package main

import (
	"os"
	"syscall"
)

// reloadSignals make trio serve --config re-read its file.
var reloadSignals = []os.Signal{syscall.SIGHUP}

// signalReload sends the reload signal to the process pid.
func signalReload(pid int) error { return syscall.Kill(pid, syscall.SIGHUP) }
