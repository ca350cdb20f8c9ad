package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/triohttp/trio/internal/defaults"
)

// ErrHubClosed is a Member's Err after its Hub closed (handlers then close
// their WebSocket with 1012, so clients move to another instance), and what
// Join and Publish return from then on.
var ErrHubClosed = errors.New("hub: hub closed")

// ErrSlow is a Member's Err when it fell more than its Hub's Queue
// messages behind: the Hub dropped it rather than hold the room back.
var ErrSlow = errors.New("hub: member too slow: its queue is full")

// A Hub is what handlers use: rooms of members, each member with its own
// bounded queue. A member whose queue fills is dropped (ErrSlow), as
// demo.Chat drops one. An instance subscribes once per room however many
// members it holds there, and fans each message out in-process, so a
// message crosses the broker once per instance, not once per member.
//
// The zero value is ready to use, on a private NewLocal(0). A Hub must not
// be copied after first use.
type Hub struct {
	// Broker stores history and carries messages between instances. nil
	// means NewLocal(0), which the Hub closes in Close; a Broker given here
	// is left open.
	Broker Broker
	// Instance is this instance's name, set in members' Presence. "" means
	// hostname:pid.
	Instance string
	// Queue is how many messages may wait for a member before it is
	// dropped. 0 means 64.
	Queue int
	// History bounds what a member joining with after may have waiting
	// from its catch-up, beyond Queue. 0 means DefaultHistory.
	History int

	ring     int // the length of rooms' rings; 0 means max(Queue, minRing)
	once     sync.Once
	broker   Broker
	own      bool // broker is the Hub's own, closed by Close
	instance string
	ids      atomic.Uint64
	async    sync.WaitGroup // unsubscribes and clean-ups started from deliver

	mu     sync.Mutex // guards below
	closed bool
	done   chan struct{} // closed by Close
	rooms  map[string]*room
}

func (h *Hub) init() {
	h.once.Do(func() {
		h.broker = h.Broker
		if h.broker == nil {
			h.broker, h.own = NewLocal(0), true
		}
		h.instance = h.Instance
		if h.instance == "" {
			host, _ := os.Hostname()
			h.instance = fmt.Sprintf("%s:%d", host, os.Getpid())
		}
		h.rooms = make(map[string]*room)
		h.done = make(chan struct{})
	})
}

// InstanceName is the name the Hub sets in its members' Presence.
func (h *Hub) InstanceName() string {
	h.init()
	return h.instance
}

func (h *Hub) queue() int   { return defaults.Or(h.Queue, 64) }
func (h *Hub) history() int { return defaults.Or(h.History, DefaultHistory) }

// Publish sends data to every member of room on every instance, and
// returns its sequence number. The Hub keeps data: the caller must not
// modify it after.
func (h *Hub) Publish(ctx context.Context, room string, data []byte) (uint64, error) {
	if err := CheckRoom(room); err != nil {
		return 0, err
	}
	h.init()
	if h.isClosed() {
		return 0, ErrHubClosed
	}
	return h.broker.Publish(ctx, room, data)
}

// Present lists the members of room on every instance.
func (h *Hub) Present(ctx context.Context, room string) ([]Presence, error) {
	if err := CheckRoom(room); err != nil {
		return nil, err
	}
	h.init()
	if h.isClosed() {
		return nil, ErrHubClosed
	}
	return h.broker.Present(ctx, room)
}

// Last returns room's newest sequence number (0 when empty).
func (h *Hub) Last(ctx context.Context, room string) (uint64, error) {
	if err := CheckRoom(room); err != nil {
		return 0, err
	}
	h.init()
	if h.isClosed() {
		return 0, ErrHubClosed
	}
	return h.broker.Last(ctx, room)
}

// Members returns how many members this instance holds in room.
func (h *Hub) Members(room string) int {
	h.init()
	h.mu.Lock()
	r := h.rooms[room]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live) + len(r.catching)
}

// Done returns a channel that is closed when Close is called: for work
// that lives as long as the Hub (a producer publishing to a room).
func (h *Hub) Done() <-chan struct{} {
	h.init()
	return h.done
}

func (h *Hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Close ends every member (Err is ErrHubClosed, and their handlers should
// close their WebSockets with 1012, service restart, so clients resume on
// another instance), withdraws their presence
// and ends the Hub's subscriptions; Join and Publish fail from then on.
func (h *Hub) Close() {
	h.init()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	close(h.done)
	rooms := h.rooms
	h.rooms = nil
	h.mu.Unlock()
	for _, r := range rooms {
		<-r.started
		r.end(ErrHubClosed)
		r.unsubscribe()
	}
	h.async.Wait()
	if h.own {
		h.broker.Close()
	}
}

// acquire returns room name with its shared subscription started, counting
// the caller as a user until release.
func (h *Hub) acquire(ctx context.Context, name string) (*room, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrHubClosed
	}
	r := h.rooms[name]
	start := r == nil
	if start {
		r = newRoom(h, name)
		h.rooms[name] = r
	}
	r.users++
	h.mu.Unlock()
	if start {
		r.sub, r.err = h.broker.Subscribe(ctx, name, 0, r.deliver)
		if e, ok := r.sub.(Ender); ok {
			h.async.Go(func() { r.watch(e) })
		}
		// After async.Go: Close waits for started before its async.Wait,
		// which must not run concurrently with an Add from zero.
		close(r.started)
	} else {
		select {
		case <-r.started:
		default: // ctx.Done allocates a channel in ctx: only when waiting
			select {
			case <-r.started:
			case <-ctx.Done():
				h.release(r)
				return nil, ctx.Err()
			}
		}
	}
	if r.err != nil {
		h.release(r)
		return nil, fmt.Errorf("hub: room %q: %w", name, r.err)
	}
	return r, nil
}

// release uncounts a user of r, and ends r's subscription after its last.
func (h *Hub) release(r *room) {
	h.mu.Lock()
	r.users--
	if (r.users == 0 || r.err != nil) && h.rooms[r.name] == r {
		delete(h.rooms, r.name) // a failed room is not handed out again
	}
	last := r.users == 0
	h.mu.Unlock()
	if last {
		r.unsubscribe()
	}
}
