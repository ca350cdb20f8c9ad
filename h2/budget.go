package h2

import "time"

// budget is a token bucket: burst tokens, refilled at rate per second. It
// bounds how often a client may make the server do work for nothing
// (resets, PINGs, SETTINGS, empty frames).
type budget struct {
	tokens float64
	last   time.Time
	rate   float64
	burst  float64
}

func newBudget(burst, rate float64) budget {
	return budget{tokens: burst, rate: rate, burst: burst}
}

// grow raises the burst by one token, up to max, and adds the token: a
// client that behaves earns back a budget it started small, a reset per
// completed stream.
func (b *budget) grow(max float64) {
	if b.burst < max {
		b.burst++
		b.rate = b.burst / 2
		b.tokens = min(b.burst, b.tokens+1)
	}
}

// spend takes one token and reports whether one was left.
func (b *budget) spend(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
