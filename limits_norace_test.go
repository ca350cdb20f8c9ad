//go:build !race

package trio_test

const raceEnabled = false
