package demo

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/triohttp/trio/hub"
)

// tickMsg is a tick by producer as the room holds it, at t.
func tickMsg(t *testing.T, seq uint64, producer string, at time.Time) hub.Message {
	t.Helper()
	var e election
	b, err := json.Marshal(e.next(producer, rand.New(rand.NewPCG(seq, 1))))
	if err != nil {
		t.Fatal(err)
	}
	return hub.Message{Room: "ticker", Seq: seq, Time: at, Data: b}
}

// TestElection: instances that read the same ticks agree on the holder,
// whichever tick each started from; a silence longer than the lease hands
// the lease to the first claim after it.
func TestElection(t *testing.T) {
	const lease = 1500 * time.Millisecond
	t0 := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	log := []hub.Message{
		tickMsg(t, 1, "b", at(0)),    // the first claim: b holds
		tickMsg(t, 2, "a", at(3)),    // a claimed at once too: one extra tick
		tickMsg(t, 3, "b", at(500)),  // b goes on
		tickMsg(t, 4, "b", at(1000)), // b goes on
		tickMsg(t, 5, "c", at(3000)), // b went silent for 2s: c's claim wins
		tickMsg(t, 6, "a", at(3001)), // a's claim came second
		tickMsg(t, 7, "c", at(3500)),
		{Room: "ticker", Seq: 8, Time: at(3600), Data: []byte(`{"type":"tick","producer":"a"}`)}, // no quotes: not a tick
		{Room: "ticker", Seq: 9, Time: at(3700), Data: []byte(`not json`)},
	}
	holders := []string{"b", "b", "b", "b", "c", "c", "c", "c", "c"}
	var e election
	for i, msg := range log {
		e.observe(msg, lease)
		if e.holder != holders[i] {
			t.Errorf("after tick %d the holder is %q; want %q", msg.Seq, e.holder, holders[i])
		}
	}
	// An instance that starts reading at tick 3 agrees from tick 5 on.
	var late election
	for _, msg := range log[2:] {
		late.observe(msg, lease)
	}
	if late.holder != "c" {
		t.Errorf("a late reader's holder is %q; want c", late.holder)
	}
	for _, tt := range []struct {
		me  string
		now time.Time
		due bool
	}{
		{"c", at(3600), true},  // the holder ticks
		{"a", at(3600), false}, // the others wait
		{"a", at(5000), false}, // ... for a whole lease after the newest tick (3500)
		{"a", at(5001), true},  // then claim
	} {
		if got := e.due(tt.me, tt.now, lease); got != tt.due {
			t.Errorf("due(%s, %v) = %v; want %v", tt.me, tt.now.Sub(t0), got, tt.due)
		}
	}
	if !new(election).due("a", t0, lease) {
		t.Error("an instance that has read no tick is not due")
	}
	// The next tick walks on from the newest prices.
	k := e.next("c", rand.New(rand.NewPCG(1, 2)))
	for i, q := range k.Quotes {
		if q.Symbol != tickerSymbols[i] || q.Price <= 0 || q.Price < e.prices[i]*0.8 || q.Price > e.prices[i]*1.2 {
			t.Errorf("quote %+v does not walk on from %.2f", q, e.prices[i])
		}
	}
}
