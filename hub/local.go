package hub

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// NewLocal returns an in-process Broker that keeps history messages per
// room (0 means DefaultHistory), for one instance: what a Hub uses when it
// is given no Broker.
func NewLocal(history int) Broker { return NewLocalCluster(history, 1)[0] }

// NewLocalCluster returns n Brokers that share one in-process store, as n
// instances share a NATS cluster: for tests and benchmarks that run several
// Hubs in one process. Closing one ends its subscriptions and presences,
// as if its instance died; the history stays with the others.
func NewLocalCluster(history, n int) []Broker {
	s := &localStore{history: defaults.Or(history, DefaultHistory), rooms: make(map[string]*localRoom)}
	bs := make([]Broker, n)
	for i := range bs {
		bs[i] = &local{store: s, subs: make(map[*localSub]struct{}), present: make(map[*localPresence]struct{})}
	}
	return bs
}

// A localStore is the history and presence every local view shares.
type localStore struct {
	history int

	mu    sync.Mutex // guards rooms
	rooms map[string]*localRoom
}

// A localRoom is one room's history ring, subscribers and presence.
type localRoom struct {
	name string

	mu      sync.Mutex // guards below; deliver runs with it held, so in order
	last    uint64
	ring    []Message // len(ring) == history once full
	first   int       // index of the oldest message in ring
	subs    map[*localSub]struct{}
	present map[string]*localPresence // by ID
}

// local is one instance's view of a localStore.
type local struct {
	store *localStore

	mu      sync.Mutex // guards below; taken before a room's mu
	closed  bool
	subs    map[*localSub]struct{}
	present map[*localPresence]struct{}
}

type localSub struct {
	b       *local
	r       *localRoom
	deliver func(Message)
}

type localPresence struct {
	p Presence
	r *localRoom
}

func (s *localStore) room(name string) *localRoom {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		r = &localRoom{name: name, subs: make(map[*localSub]struct{}), present: make(map[string]*localPresence)}
		s.rooms[name] = r
	}
	return r
}

func (b *local) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func (b *local) Publish(ctx context.Context, room string, data []byte) (uint64, error) {
	if err := CheckRoom(room); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, ErrBrokerClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r := b.store.room(room)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last++
	m := Message{Room: room, Seq: r.last, Time: time.Now(), Data: data}
	if len(r.ring) < b.store.history {
		r.ring = append(r.ring, m)
	} else {
		r.ring[r.first] = m
		r.first = (r.first + 1) % len(r.ring)
	}
	for s := range r.subs {
		s.deliver(m)
	}
	return m.Seq, nil
}

func (b *local) Subscribe(ctx context.Context, room string, after uint64, deliver func(Message)) (Subscription, error) {
	if err := CheckRoom(room); err != nil {
		return nil, err
	}
	if after == math.MaxUint64 {
		return nil, errors.New("hub: subscribe after math.MaxUint64")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	r := b.store.room(room)
	r.mu.Lock()
	defer r.mu.Unlock()
	if after > 0 && len(r.ring) > 0 {
		if oldest := r.at(0).Seq; oldest > after+1 {
			return nil, &GapError{Room: room, After: after, Oldest: oldest}
		}
		for i := range r.ring {
			if m := r.at(i); m.Seq > after {
				deliver(m)
			}
		}
	}
	s := &localSub{b: b, r: r, deliver: deliver}
	r.subs[s] = struct{}{}
	b.subs[s] = struct{}{}
	return s, nil
}

// at returns the i-th oldest message of the ring.
func (r *localRoom) at(i int) Message { return r.ring[(r.first+i)%len(r.ring)] }

func (s *localSub) Unsubscribe() error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	delete(s.b.subs, s)
	s.r.mu.Lock()
	delete(s.r.subs, s)
	s.r.mu.Unlock()
	return nil
}

func (b *local) Last(ctx context.Context, room string) (uint64, error) {
	if err := CheckRoom(room); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, ErrBrokerClosed
	}
	r := b.store.room(room)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, nil
}

func (b *local) Announce(ctx context.Context, room string, p Presence) (func(), error) {
	if err := CheckRoom(room); err != nil {
		return nil, err
	}
	if p.ID == "" {
		return nil, errors.New("hub: announce: presence without an ID")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	r := b.store.room(room)
	lp := &localPresence{p: p, r: r}
	r.mu.Lock()
	r.present[p.ID] = lp
	r.mu.Unlock()
	b.present[lp] = struct{}{}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.remove(lp)
	}, nil
}

// remove withdraws lp, unless an announcement of the same ID replaced it.
// b.mu is held.
func (b *local) remove(lp *localPresence) {
	delete(b.present, lp)
	lp.r.mu.Lock()
	if lp.r.present[lp.p.ID] == lp {
		delete(lp.r.present, lp.p.ID)
	}
	lp.r.mu.Unlock()
}

func (b *local) Present(ctx context.Context, room string) ([]Presence, error) {
	if err := CheckRoom(room); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, ErrBrokerClosed
	}
	r := b.store.room(room)
	r.mu.Lock()
	defer r.mu.Unlock()
	ps := make([]Presence, 0, len(r.present))
	for _, lp := range r.present {
		ps = append(ps, lp.p)
	}
	return ps, nil
}

// Close ends b's subscriptions and withdraws its presences at once (the
// local form of ageing out). The history stays for b's siblings.
func (b *local) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for s := range b.subs {
		s.r.mu.Lock()
		delete(s.r.subs, s)
		s.r.mu.Unlock()
	}
	clear(b.subs)
	for lp := range b.present {
		b.remove(lp)
	}
	return nil
}
