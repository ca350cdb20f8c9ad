//go:build !unix

package main

import (
	"errors"
	"os"
)

// reloadSignals is empty where there is no SIGHUP: reload through the
// admin listener (trio reload --admin).
var reloadSignals []os.Signal

func signalReload(pid int) error {
	return errors.New("no SIGHUP on this system; use trio reload --admin")
}
