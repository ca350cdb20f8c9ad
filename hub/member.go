package hub

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// A Member is one connection's place in a room. Its queue holds what the
// room sent that the handler has not yet taken; a handler waits on Ready,
// then Takes:
//
//	for {
//		select {
//		case <-m.Ready():
//			msgs, ok := m.Take(msgs[:0])
//			for _, msg := range msgs {
//				// write msg to the connection
//			}
//			if !ok {
//				return m.Err() // ErrSlow, ErrHubClosed, or nil after Leave
//			}
//		case <-conn.Done():
//			m.Leave()
//			return nil
//		}
//	}
//
// A member costs its instance about 1.3 KB of heap, its presence in the
// local broker included (bench/hub -mem), whatever its queue length: the
// room keeps one ring of recent messages for all its members, and a
// member's queue is its cursor into it. Reusing msgs keeps a buffer
// the size of the largest batch per member; m.Take(nil) keeps none, at the
// cost of an allocation per batch: better for many members that are idle
// most of the time.
type Member struct {
	h     *Hub
	r     *room
	p     Presence
	leave func()
	ready chan struct{}
	clean sync.Once

	cursor atomic.Uint64 // ring position of the next message, once live; Take writes it
	fast   atomic.Bool   // live with nothing pending: Take reads the ring without r.mu
	done   atomic.Bool   // ended, for Take without r.mu

	// Guarded by r.mu, except last, which Take alone uses once fast:
	last     uint64    // Seq of the newest message queued or taken
	pend     []Message // catch-up messages not yet taken
	catching bool      // reading private, not yet the ring
	private  Subscription
	stop     chan struct{} // closed when private is done with, to end watch
	ended    bool
	err      error
}

// Join adds a member to room, announced with p (Instance and ID are filled
// in when empty), and returns it. after == 0 means live only: what room
// gets from now on. Otherwise the member gets every message with Seq >
// after, the history first, then live ones, with no gap or duplicate. If
// the history no longer reaches after+1, Join returns a *GapError: join
// again with the error's Oldest-1 to get what is left, or with 0.
// ctx bounds the call.
func (h *Hub) Join(ctx context.Context, room string, p Presence, after uint64) (*Member, error) {
	if err := CheckRoom(room); err != nil {
		return nil, err
	}
	if after == math.MaxUint64 {
		return nil, errors.New("hub: join after math.MaxUint64")
	}
	h.init()
	r, err := h.acquire(ctx, room)
	if err != nil {
		return nil, err
	}
	if p.Instance == "" {
		p.Instance = h.instance
	}
	if p.ID == "" {
		p.ID = fmt.Sprintf("%s-%d", h.instance, h.ids.Add(1))
	}
	m := &Member{h: h, r: r, p: p, ready: make(chan struct{}, 1), last: after}
	m.leave, err = h.broker.Announce(ctx, room, p)
	if err != nil {
		h.release(r)
		return nil, fmt.Errorf("hub: room %q: announcing %s: %w", room, p.ID, err)
	}
	r.mu.Lock()
	if err := r.ended; err != nil {
		r.mu.Unlock()
		m.leave()
		h.release(r)
		return nil, err
	}
	switch pos, ok := r.after(after); {
	case after == 0:
		m.cursor.Store(r.head.Load())
		r.live[m] = struct{}{}
	case ok: // the ring holds all that came after: no need to ask the broker
		m.cursor.Store(pos)
		r.live[m] = struct{}{}
		if pos < r.head.Load() {
			m.wake()
		}
	default:
		m.catching = true
		r.catching[m] = struct{}{}
	}
	r.mu.Unlock()
	if m.catching {
		if err := m.catchUp(ctx, after); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// catchUp subscribes m to its room's history after after. The shared
// subscription's deliver moves m to the ring when both reach one message.
func (m *Member) catchUp(ctx context.Context, after uint64) error {
	r := m.r
	sub, err := m.h.broker.Subscribe(ctx, r.name, after, m.deliver)
	r.mu.Lock()
	if err != nil {
		m.endLocked(err)
		r.mu.Unlock()
		m.cleanup()
		return err
	}
	if m.catching && !m.ended {
		m.private, sub = sub, nil
		if e, ok := m.private.(Ender); ok {
			stop := make(chan struct{})
			m.stop = stop // goLive and endLocked close it, under r.mu
			m.h.async.Go(func() { m.watch(e, stop) })
		}
	}
	r.mu.Unlock()
	if sub != nil { // m went live, or ended, while Subscribe delivered the history
		sub.Unsubscribe()
	}
	return nil
}

// watch ends m if its catch-up subscription ends by itself.
func (m *Member) watch(e Ender, stop chan struct{}) {
	select {
	case <-stop:
		return
	case <-e.Done():
	}
	if err := e.Err(); err != nil {
		m.r.mu.Lock()
		m.endLocked(fmt.Errorf("hub: room %q: catch-up subscription ended: %w", m.r.name, err))
		m.r.mu.Unlock()
		m.cleanup()
	}
}

// deliver takes m's catch-up subscription's next message.
func (m *Member) deliver(msg Message) {
	r := m.r
	r.mu.Lock()
	if m.ended || !m.catching || msg.Seq <= m.last {
		r.mu.Unlock()
		return
	}
	m.pend = append(m.pend, msg)
	m.last = msg.Seq
	if len(m.pend) > m.h.queue()+m.h.history() {
		m.endLocked(ErrSlow)
		r.mu.Unlock()
		r.cleanup([]*Member{m})
		return
	}
	if pos, ok := r.find(msg.Seq); ok {
		m.goLive(pos + 1)
	}
	m.wake()
	r.mu.Unlock()
}

// goLive moves m from its catch-up subscription to the ring at cursor.
// r.mu is held.
func (m *Member) goLive(cursor uint64) {
	r := m.r
	delete(r.catching, m)
	r.live[m] = struct{}{}
	m.catching = false
	m.cursor.Store(cursor)
	if sub := m.private; sub != nil {
		m.private = nil
		m.h.async.Go(func() { sub.Unsubscribe() })
	}
	m.stopWatch()
	if cursor < r.head.Load() {
		m.wake()
	}
}

// wake tells the handler there is something to take. r.mu is held.
func (m *Member) wake() {
	select {
	case m.ready <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// endLocked ends m with err. r.mu is held.
func (m *Member) endLocked(err error) {
	if m.ended {
		return
	}
	m.ended, m.err, m.pend = true, err, nil
	m.done.Store(true)
	delete(m.r.live, m)
	delete(m.r.catching, m)
	close(m.ready)
	m.stopWatch()
}

// stopWatch ends watch, if it runs. r.mu is held.
func (m *Member) stopWatch() {
	if m.stop != nil {
		close(m.stop)
		m.stop = nil
	}
}

// cleanup withdraws m's presence and catch-up subscription, and releases
// its room, once.
func (m *Member) cleanup() {
	m.clean.Do(func() {
		r := m.r
		r.mu.Lock()
		sub := m.private
		m.private = nil
		r.mu.Unlock()
		if sub != nil {
			sub.Unsubscribe()
		}
		m.leave()
		m.h.release(r)
	})
}

// Ready returns a channel that receives when m has messages to Take, and
// is closed once m has ended.
func (m *Member) Ready() <-chan struct{} { return m.ready }

// Take appends the messages queued for m to buf, oldest first, and returns
// it. ok is false once m has ended: dropped (ErrSlow), its Hub closed, or
// after Leave; what was queued then is not returned.
//
// Take must not be called by two goroutines at once for one member.
func (m *Member) Take(buf []Message) (msgs []Message, ok bool) {
	if m.fast.Load() {
		if m.done.Load() {
			return buf, false
		}
		return m.takeRing(buf), true
	}
	r := m.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.ended {
		return buf, false
	}
	buf = append(buf, m.pend...)
	m.pend = nil
	if !m.catching {
		buf = m.takeRing(buf)
		m.fast.Store(true) // live, and nothing more comes to pend
	}
	return buf, true
}

// takeRing appends the ring's messages past m's cursor. A message no
// longer in the ring means m fell behind by more than the ring: deliver
// is dropping it as slow.
func (m *Member) takeRing(buf []Message) []Message {
	r := m.r
	p, head := m.cursor.Load(), r.head.Load()
	for ; p < head; p++ {
		msg, ok := r.load(p)
		if !ok {
			break
		}
		if msg.Seq > m.last {
			buf = append(buf, msg)
			m.last = msg.Seq
		}
	}
	m.cursor.Store(p)
	return buf
}

// Err returns why m ended: ErrSlow, ErrHubClosed, an error wrapping the
// broker's when a subscription ended by itself (see Ender; a *GapError when
// the broker lost messages), or nil (after Leave, or not ended).
func (m *Member) Err() error {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	return m.err
}

// Leave ends m, if it has not ended, and withdraws its presence. Call it
// once the connection is done, however it ended.
func (m *Member) Leave() {
	m.r.mu.Lock()
	m.endLocked(nil)
	m.r.mu.Unlock()
	m.cleanup()
}

// Presence returns m as Present lists it.
func (m *Member) Presence() Presence { return m.p }

// Room returns the name of m's room.
func (m *Member) Room() string { return m.r.name }
