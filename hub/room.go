package hub

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/triohttp/trio/internal/defaults"
)

// minRing is the fewest recent messages a room keeps for its members.
const minRing = 256

// A room is one room on one instance: the shared subscription, and a ring
// of its latest messages that every live member reads at its own cursor.
// A member's queue is the part of the ring past its cursor, so queueing a
// message costs a member nothing but a wake-up.
//
// deliver writes the ring under mu, a slot then head, atomically; a live
// member's Take reads it without mu (thousands of members take at once
// after each message, and a lock they share would queue deliver behind
// them), and a slot whose pos is not the one asked for was overwritten.
type room struct {
	h    *Hub
	name string

	users   int           // members, and joins under way; guarded by h.mu
	started chan struct{} // closed once sub or err is set
	sub     Subscription
	err     error

	stop  chan struct{} // closed when the Hub unsubscribes, to end watch
	unsub sync.Once

	ring []atomic.Pointer[slot] // the message at position p is in ring[p%len(ring)]
	head atomic.Uint64          // position of the next message

	mu       sync.Mutex // guards below, and writing ring and head
	ended    error      // ErrHubClosed after Close, or why sub ended by itself
	live     map[*Member]struct{}
	catching map[*Member]struct{} // reading their own catch-up subscription
}

func newRoom(h *Hub, name string) *room {
	return &room{
		h:        h,
		name:     name,
		started:  make(chan struct{}),
		stop:     make(chan struct{}),
		ring:     make([]atomic.Pointer[slot], defaults.Or(h.ring, max(h.queue(), minRing))),
		live:     make(map[*Member]struct{}),
		catching: make(map[*Member]struct{}),
	}
}

// deliver takes the shared subscription's next message: into the ring,
// then it wakes the live members, drops the slow ones, and moves to live a
// catching member whose catch-up reached this message.
func (r *room) deliver(msg Message) {
	var slow []*Member
	r.mu.Lock()
	if r.ended != nil {
		r.mu.Unlock()
		return
	}
	pos := r.head.Load()
	r.ring[pos%uint64(len(r.ring))].Store(&slot{pos: pos, msg: msg})
	r.head.Store(pos + 1)
	for m := range r.catching {
		if m.last == msg.Seq {
			m.goLive(pos + 1)
		}
	}
	q := uint64(r.h.queue())
	for m := range r.live {
		if pos+1-m.cursor.Load() > q {
			m.endLocked(ErrSlow)
			slow = append(slow, m)
			continue
		}
		m.wake()
	}
	r.mu.Unlock()
	r.cleanup(slow)
}

// watch ends r's members if its subscription ends by itself.
func (r *room) watch(e Ender) {
	select {
	case <-r.stop:
		return
	case <-e.Done():
	}
	err := e.Err()
	if err == nil {
		return // unsubscribed
	}
	r.h.mu.Lock()
	if r.h.rooms[r.name] == r {
		delete(r.h.rooms, r.name) // the next Join subscribes afresh
	}
	r.h.mu.Unlock()
	r.end(fmt.Errorf("hub: room %q: subscription ended: %w", r.name, err))
}

// end ends every member of r with err, withdraws them, and refuses new ones.
func (r *room) end(err error) {
	var ended []*Member
	r.mu.Lock()
	if r.ended == nil {
		r.ended = err
	}
	for _, set := range []map[*Member]struct{}{r.live, r.catching} {
		for m := range set {
			m.endLocked(err)
			ended = append(ended, m)
		}
	}
	r.mu.Unlock()
	cleanupAll(ended)
}

// cleanupAll cleans up ms, several at once: withdrawing a presence from a
// remote broker is a round trip, and Close may end thousands.
func cleanupAll(ms []*Member) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(len(ms), 32) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(ms)); i = next.Add(1) - 1 {
				ms[i].cleanup()
			}
		})
	}
	wg.Wait()
}

// unsubscribe ends r's subscription, once, after it has started.
func (r *room) unsubscribe() {
	<-r.started
	r.unsub.Do(func() {
		close(r.stop)
		if r.sub != nil {
			r.sub.Unsubscribe()
		}
	})
}

// cleanup withdraws the ended members' presences and subscriptions off the
// deliver goroutine (a broker's deliver must not call back into it).
func (r *room) cleanup(ended []*Member) {
	for _, m := range ended {
		r.h.async.Go(m.cleanup)
	}
}

// A slot is a message of the ring and its position.
type slot struct {
	pos uint64
	msg Message
}

// oldest returns the position of the oldest message in the ring.
func (r *room) oldest() uint64 {
	if n, head := uint64(len(r.ring)), r.head.Load(); head > n {
		return head - n
	}
	return 0
}

// at returns the message at position p, which r.mu keeps in the ring.
func (r *room) at(p uint64) Message { return r.ring[p%uint64(len(r.ring))].Load().msg }

// load returns the message at position p, if it is still in the ring.
func (r *room) load(p uint64) (Message, bool) {
	s := r.ring[p%uint64(len(r.ring))].Load()
	if s == nil || s.pos != p {
		return Message{}, false
	}
	return s.msg, true
}

// after returns the position of the first message with Seq > seq, and
// whether the ring holds everything after seq the room has seen (its oldest
// message is seq or older). r.mu is held.
func (r *room) after(seq uint64) (uint64, bool) {
	lo, head := r.oldest(), r.head.Load()
	if lo == head || r.at(lo).Seq > seq {
		return 0, false
	}
	p := head
	for p > lo && r.at(p-1).Seq > seq {
		p--
	}
	return p, true
}

// find returns the position of the message with Seq seq, if the ring holds
// it. r.mu is held.
func (r *room) find(seq uint64) (uint64, bool) {
	for p := r.head.Load(); p > r.oldest(); p-- {
		switch s := r.at(p - 1).Seq; {
		case s == seq:
			return p - 1, true
		case s < seq:
			return 0, false
		}
	}
	return 0, false
}
