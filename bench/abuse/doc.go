// Package abuse is trio's abuse suite: each attack a public server meets
// (connection and handshake floods, slowloris, stalled bodies, header
// floods, HTTP/2 frame floods) is run by its tests against a trio.Server
// in a child process while a well-behaved client keeps requesting over
// HTTP/1.1, HTTP/2 and HTTP/3.
//
// Every case asserts that the attacker gets the protocol's answer, that
// every good request succeeded with a p99 latency within
// [LatencyFactor] times the baseline p99 plus [LatencyFloor], and that
// after the attack the server's live heap, goroutines and file
// descriptors are back to their baseline (within [HeapSlack],
// [GoroutineSlack] and [FDSlack]) and its RSS within [RSSFactor] times
// the baseline, within [SettleTime].
//
// `go test -v ./bench/abuse` prints the figures of the run as a table. The
// TLS connection flood makes 20,000 connections; set TRIO_ABUSE_SHORT=1
// (or run with -short) for 2,000.
//
// The package holds no code for other packages: it is only its tests.
package abuse

import "time"

// Bounds the suite asserts.
const (
	// LatencyFactor and LatencyFloor bound a good client's p99 during an
	// attack: at most LatencyFactor times its p99 just before, plus
	// LatencyFloor for the scheduling noise of 2 cores shared with the
	// attacker and whatever else runs (a CFS timeslice at a load of 10+).
	LatencyFactor = 3
	LatencyFloor  = 10 * time.Millisecond

	// RSSFactor bounds the server's RSS once the attack is over, as a
	// multiple of its RSS before.
	RSSFactor = 2

	// HeapSlack, GoroutineSlack and FDSlack are how far above baseline
	// the live heap (after a GC), goroutines and open file descriptors
	// may stay once the attack is over.
	HeapSlack      = 4 << 20
	GoroutineSlack = 10
	FDSlack        = 10

	// SettleTime is how long the server has after an attack to come back
	// within those bounds.
	SettleTime = time.Minute
)
