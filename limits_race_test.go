//go:build race

package trio_test

// raceEnabled: the race detector allows 8,128 goroutines and slows TLS
// handshakes tenfold, so the largest floods are skipped under it.
const raceEnabled = true
