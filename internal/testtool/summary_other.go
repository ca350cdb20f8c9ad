//go:build !linux

package testtool

import "os"

// goCommandStderr returns nil: only Linux's /proc reaches the go command's
// standard error; elsewhere the summary shows with -v or on failure.
func goCommandStderr() *os.File { return nil }
