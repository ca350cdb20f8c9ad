package hub_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/hub"
)

// enders is a Broker whose subscriptions are hub.Enders the test ends.
type enders struct {
	hub.Broker
	mu   sync.Mutex
	subs []*ender
}

type ender struct {
	hub.Subscription
	once sync.Once
	done chan struct{}
	err  error
}

func (b *enders) Subscribe(ctx context.Context, room string, after uint64, deliver func(hub.Message)) (hub.Subscription, error) {
	sub, err := b.Broker.Subscribe(ctx, room, after, deliver)
	if err != nil {
		return nil, err
	}
	e := &ender{Subscription: sub, done: make(chan struct{})}
	b.mu.Lock()
	b.subs = append(b.subs, e)
	b.mu.Unlock()
	return e, nil
}

// live returns the subscriptions not ended.
func (b *enders) live() []*ender {
	b.mu.Lock()
	defer b.mu.Unlock()
	var l []*ender
	for _, e := range b.subs {
		select {
		case <-e.done:
		default:
			l = append(l, e)
		}
	}
	return l
}

func (e *ender) end(err error) {
	e.once.Do(func() {
		e.Subscription.Unsubscribe()
		e.err = err
		close(e.done)
	})
}

func (e *ender) Unsubscribe() error    { e.end(nil); return nil }
func (e *ender) Done() <-chan struct{} { return e.done }
func (e *ender) Err() error            { return e.err }

// TestSubscriptionEnds: when a room's subscription ends by itself, its
// members end with the broker's error, and the next Join subscribes afresh.
func TestSubscriptionEnds(t *testing.T) {
	b := &enders{Broker: hub.NewLocal(0)}
	h := &hub.Hub{Broker: b}
	defer b.Close()
	defer h.Close()
	ctx := t.Context()
	m1, err := h.Join(ctx, "r", hub.Presence{Name: "a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(ctx, "r", []byte("x"))
	s, _ := h.Last(ctx, "r")
	// A member joining after a Seq the new room's ring does not reach
	// reads a catch-up subscription of its own until the ring has it.
	m2, err := h.Join(ctx, "r", hub.Presence{Name: "b"}, s-1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.live()); n != 1 { // m2 went live at once: the ring holds s
		t.Fatalf("%d subscriptions; want 1", n)
	}
	gap := &hub.GapError{Room: "r", After: 1, Oldest: 5}
	b.live()[0].end(gap)
	for _, m := range []*hub.Member{m1, m2} {
		waitEnded(t, m)
		if err := m.Err(); !errors.Is(err, hub.ErrGapTooOld) {
			t.Errorf("Err = %v; want one wrapping the GapError", err)
		}
	}
	if n := h.Members("r"); n != 0 {
		t.Errorf("Members = %d; want 0", n)
	}
	m3, err := h.Join(ctx, "r", hub.Presence{Name: "c"}, 0)
	if err != nil {
		t.Fatalf("Join after the room's subscription ended: %v", err)
	}
	defer m3.Leave()
	h.Publish(ctx, "r", []byte("y"))
	waitTake(t, m3, "y")
}

// TestCatchUpEnds: a member reading its own catch-up subscription ends
// with the error that ended it; the room's other members go on.
func TestCatchUpEnds(t *testing.T) {
	b := &enders{Broker: hub.NewLocal(0)}
	ctx := t.Context()
	for range 3 {
		b.Publish(ctx, "r", []byte("old"))
	}
	h := &hub.Hub{Broker: b}
	defer b.Close()
	defer h.Close()
	m1, err := h.Join(ctx, "r", hub.Presence{Name: "a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m1.Leave()
	m2, err := h.Join(ctx, "r", hub.Presence{Name: "b"}, 1) // the ring is empty: catch up
	if err != nil {
		t.Fatal(err)
	}
	waitTake(t, m2, "old")
	subs := b.live()
	if len(subs) != 2 {
		t.Fatalf("%d subscriptions; want the room's and m2's", len(subs))
	}
	subs[1].end(errors.New("cut off"))
	waitEnded(t, m2)
	if err := m2.Err(); err == nil || m2.Err().Error() != `hub: room "r": catch-up subscription ended: cut off` {
		t.Errorf("Err = %v; want the catch-up subscription's", err)
	}
	h.Publish(ctx, "r", []byte("new"))
	waitTake(t, m1, "new")
}

func waitEnded(t *testing.T, m *hub.Member) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, open := <-m.Ready():
			if !open {
				return
			}
		case <-timeout:
			t.Fatal("member not ended")
		}
	}
}

// waitTake waits for m's next messages and wants the last to be data.
func waitTake(t *testing.T, m *hub.Member, data string) {
	t.Helper()
	select {
	case <-m.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("no message for %s", m.Presence().Name)
	}
	msgs, ok := m.Take(nil)
	if !ok || len(msgs) == 0 || string(msgs[len(msgs)-1].Data) != data {
		t.Fatalf("Take = %d messages, %v; want the last %q", len(msgs), ok, data)
	}
}
