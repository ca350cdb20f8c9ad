package workers

import (
	"testing"
	"time"
)

// TestIdleGoroutinesLeaveUnderATrickle: after a burst grew the pool, a
// trickle of tasks needs one goroutine, and the others leave after keep.
// Handing tasks to the goroutine that waited longest (a channel's FIFO
// receivers) kept every one of them busy often enough never to leave:
// h1's pools held a hundred goroutines for minutes after a burst of
// stalled uploads while a client made a request every few milliseconds.
func TestIdleGoroutinesLeaveUnderATrickle(t *testing.T) {
	const keep, burst = 200 * time.Millisecond, 50
	done := make(chan struct{})
	defer close(done)
	release := make(chan struct{})
	p := New(func(wait bool) {
		if wait {
			<-release
		}
	}, keep, done)
	for range burst {
		p.Go(true)
	}
	close(release)
	waitIdle(t, p, burst)
	end := time.Now().Add(3 * keep)
	for time.Now().Before(end) { // a task every 2 ms: each of 50 every 100 ms if handed round
		p.Go(false)
		time.Sleep(2 * time.Millisecond)
	}
	if n := p.IdleCount(); n > 5 {
		t.Errorf("IdleCount = %d after %v of a trickle of tasks; want the burst's goroutines gone (<= 5)", n, 3*keep)
	}
}
