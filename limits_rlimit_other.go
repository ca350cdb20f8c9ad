//go:build !unix

package trio

// openFileLimit returns 0: there is no open-file limit to read here, and
// MaxConns's default is no limit.
func openFileLimit() uint64 { return 0 }
