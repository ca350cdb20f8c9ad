// Package abuse is trio's abuse suite: each attack a public server meets
// (connection and handshake floods, slowloris, stalled bodies, header
// floods, HTTP/2 frame floods) is run by its tests against a trio.Server
// in a child process while a well-behaved client keeps requesting over
// HTTP/1.1, HTTP/2 and HTTP/3.
//
// Every case asserts that the attacker gets the protocol's answer, that
// every good request succeeded, and reports whether its p99 latency stayed
// within
// [LatencyFactor] times the baseline p99 plus [LatencyFloor] or, if
// larger, the p99 the same client saw meanwhile from an idle twin of the
// server (the machine's own noise: the attacker's CPU and whatever else
// runs on it, which a remote attacker would not cost), and that
// after the attack the server's live heap, goroutines and file
// descriptors are back to their baseline (within [HeapSlack],
// [GoroutineSlack] and [FDSlack]) and its RSS within [RSSFactor] times
// the baseline, within [SettleTime].
//
// The cases: TLS connection floods (20,000 idle connections from one
// address; 2,000 from ten addresses against a server with 1,024 file
// descriptors), slowloris over h1 and h2, a QUIC handshake flood, stalled
// request bodies over h1, h2 and h3, 100,000 header fields over h1, and
// HTTP/2's rapid reset, CONTINUATION flood, HPACK bomb, SETTINGS and PING
// floods, and rapid reset over HTTP/3. Each also asserts that the limits
// it hits are counted (trio_limit_hits_total) and logged.
//
// The latency bound is a benchmark's target, not a test's: it fails a
// case only with TRIO_ABUSE_LATENCY=strict (the measured runs behind the
// README's table), and otherwise shows as met or MISSED in the table, so
// that go test ./... on a machine busy with other work does not fail on
// that work's noise.
//
// `go test -v ./bench/abuse` prints the figures of the run as a table:
// the attacker's answer, how long the attack lasted and the CPU time it
// cost the server, the good client's p99 before and during it, and the
// server's RSS before, at its peak and after. The TLS connection flood
// makes 20,000 connections; set TRIO_ABUSE_SHORT=1 (or run with -short)
// for 2,000.
//
// The attacker runs in the test's process and shares the machine's cores
// with the server, so it is paced (a new connection every 100 ms from
// each of four attackers, handshakes for slowloris at 200 a second): an
// unpaced loop of TLS handshakes measures the machine, not the defence.
// Attackers use 127.0.0.2 onwards, so the server's per-address limits
// see them apart from the good client on 127.0.0.1.
//
// The package holds no code for other packages: it is only its tests.
package abuse

import "time"

// Bounds the suite asserts.
const (
	// LatencyFactor and LatencyFloor bound a good client's p99 during an
	// attack: at most LatencyFactor times its p99 just before, plus
	// LatencyFloor or the idle twin's p99 during the attack, whichever is
	// larger, for the scheduling noise of cores shared with the attacker
	// and whatever else runs.
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
