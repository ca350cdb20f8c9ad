package demo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/triohttp/trio/hub"
)

// The ticker's producer: one instance of the cluster makes the prices,
// elected from the ticker room's own log, so it needs nothing from the
// broker beyond what every Broker does (an ordered room, with the
// broker's time on each message).
//
// Every instance with ticker clients runs produce, which reads the room.
// The holder is the producer of the first tick after a silence longer
// than the lease (a tick whose broker Time is more than lease after the
// one before it), or of the first tick an instance sees. Every instance
// reads the same ticks in the same order with the same times, so all
// agree on the holder. The holder ticks every Interval; the others tick
// only once the room has been silent for a lease (the holder died, was
// drained, or lost its last client): each such tick is a claim, and the
// first in the room's order wins. Two claims at once make one extra tick,
// never two producers for longer than that.

// leaseTicks is the lease, in intervals: how long the room must be
// silent before another instance takes over.
const leaseTicks = 3

// An election is what one instance has read of the ticker room.
type election struct {
	holder string    // the elected producer
	last   time.Time // the broker's time of the newest tick
	prices []float64 // the newest tick's prices, one per tickerSymbols
}

// observe reads one message of the room.
func (e *election) observe(msg hub.Message, lease time.Duration) {
	var k Tick
	if json.Unmarshal(msg.Data, &k) != nil || k.Type != "tick" || len(k.Quotes) != len(tickerSymbols) {
		return
	}
	if e.holder == "" || msg.Time.Sub(e.last) > lease {
		e.holder = k.Producer
	}
	e.last = msg.Time
	e.prices = e.prices[:0]
	for _, q := range k.Quotes {
		e.prices = append(e.prices, q.Price)
	}
}

// due reports whether instance me should tick at now: it holds the lease,
// or the room has been silent for longer than the lease.
func (e *election) due(me string, now time.Time, lease time.Duration) bool {
	return e.holder == me || now.Sub(e.last) > lease
}

// next is the tick after e's newest, made by me: a random walk from its
// prices (or fresh ones).
func (e *election) next(me string, rng *rand.Rand) Tick {
	k := Tick{Type: "tick", Producer: me, Time: time.Now().UTC().Format(time.TimeOnly)}
	for i, s := range tickerSymbols {
		old := 50 + 100*rng.Float64()
		if len(e.prices) == len(tickerSymbols) {
			old = e.prices[i]
		}
		p := math.Max(1, old*(1+0.01*rng.NormFloat64()))
		k.Quotes = append(k.Quotes, Quote{Symbol: s, Price: math.Round(p*100) / 100, Change: math.Round((p/old-1)*10000) / 100})
	}
	return k
}

// produce reads the ticker room and ticks when this instance is due,
// until ctx ends (its last client left) or the hub closes. A broker error
// makes it start again after a lease.
func (t *Ticker) produce(ctx context.Context) {
	lease := leaseTicks * t.interval()
	for {
		err := t.produceOnce(ctx, lease)
		if errors.Is(err, hub.ErrHubClosed) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(lease):
		}
	}
}

// produceOnce joins the room from its newest tick, then reads and ticks
// until ctx ends or the member does.
func (t *Ticker) produceOnce(ctx context.Context, lease time.Duration) error {
	me := t.hub.InstanceName()
	jctx, cancel := context.WithTimeout(ctx, startTimeout)
	m, err := t.joinNewest(jctx)
	cancel()
	if err != nil {
		return err
	}
	defer m.Leave()
	var e election
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	tk := time.NewTicker(t.interval())
	defer tk.Stop()
	var msgs []hub.Message
	for {
		select {
		case <-m.Ready():
			var ok bool
			msgs, ok = m.Take(msgs[:0])
			for _, msg := range msgs {
				e.observe(msg, lease)
			}
			clear(msgs)
			if !ok {
				return m.Err()
			}
		case now := <-tk.C:
			if !e.due(me, now, lease) {
				continue
			}
			b, _ := json.Marshal(e.next(me, rng))
			pctx, cancel := context.WithTimeout(ctx, startTimeout)
			_, err := t.hub.Publish(pctx, t.room(), b)
			cancel()
			if err != nil && ctx.Err() == nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// joinNewest joins the ticker room as its producer, from its newest
// tick, so the election starts from the room's latest state.
func (t *Ticker) joinNewest(ctx context.Context) (*hub.Member, error) {
	p := hub.Presence{Name: "ticker producer"}
	last, err := t.hub.Last(ctx, t.room())
	if err != nil {
		return nil, err
	}
	m, err := t.hub.Join(ctx, t.room(), p, max(last, 1)-1)
	if errors.Is(err, hub.ErrGapTooOld) {
		m, err = t.hub.Join(ctx, t.room(), p, last)
	}
	return m, err
}
