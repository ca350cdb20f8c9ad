//go:build race

package h2

// raceEnabled: the race detector makes sync.Pool drop items at random.
const raceEnabled = true
