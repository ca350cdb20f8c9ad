package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/triohttp/trio/hub"
)

// liveBuffer is how many fanned-out messages a subscription holds before
// NATS drops the next ones (which the subscription then reads from the
// stream). A hub's members catching up each hold a subscription for a
// while, so it is kept small: 4 KB of pointers.
const liveBuffer = 512

// A subscription delivers one room's messages in order, each once. Its
// goroutine (run) owns pos and is the only caller of deliver.
type subscription struct {
	b       *Broker
	room    string
	deliver func(hub.Message)
	sub     *nats.Subscription
	ch      chan *nats.Msg

	ctx    context.Context // ends when the subscription ends
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned
	once   sync.Once
	err    error // why it ended; written before done closes

	pos   uint64 // the last sequence number delivered (or skipped over)
	dirty bool   // the stream may hold messages after pos
}

// Subscribe delivers room's messages after after: those the stream still
// holds, then live ones. It subscribes to the room's fan-out subject
// before it reads the stream, so nothing falls between the two; see the
// package doc for how gaps are found and filled. A room whose history no
// longer reaches after+1 gets a *hub.GapError.
func (b *Broker) Subscribe(ctx context.Context, room string, after uint64, deliver func(hub.Message)) (hub.Subscription, error) {
	if err := hub.CheckRoom(room); err != nil {
		return nil, err
	}
	if after == math.MaxUint64 {
		return nil, errors.New("cluster: subscribe after math.MaxUint64")
	}
	if b.isClosed() {
		return nil, hub.ErrBrokerClosed
	}
	s := &subscription{b: b, room: room, deliver: deliver, ch: make(chan *nats.Msg, liveBuffer), done: make(chan struct{})}
	var err error
	if s.sub, err = b.nc.ChanSubscribe(b.names.live+room, s.ch); err != nil {
		return nil, fmt.Errorf("cluster: subscribe to room %q: %w", room, err)
	}
	first, err := s.start(ctx, after)
	if err != nil {
		s.sub.Unsubscribe()
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.sub.Unsubscribe()
		return nil, hub.ErrBrokerClosed
	}
	b.subs[s] = struct{}{}
	s.ctx, s.cancel = context.WithCancel(b.ctx)
	go s.run(first)
	return s, nil
}

// start makes sure the server has the fan-out subscription, then sets pos
// and returns the first stored message to deliver (nil for none).
func (s *subscription) start(ctx context.Context, after uint64) (*hub.Message, error) {
	fctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if err := s.b.nc.FlushWithContext(fctx); err != nil {
		return nil, fmt.Errorf("cluster: subscribe to room %q: %w", s.room, err)
	}
	if after == 0 {
		last, err := s.b.last(ctx, s.room)
		if err != nil {
			return nil, fmt.Errorf("cluster: subscribe to room %q: %w", s.room, err)
		}
		s.pos = last
		return nil, nil
	}
	s.pos = after
	first, err := s.b.checkGap(ctx, s.room, after)
	if err != nil {
		return nil, err
	}
	s.dirty = first != nil
	return first, nil
}

// checkGap returns the room's first stored message after after (nil when
// there is none), or a *hub.GapError when the stream no longer holds a
// message of the room that came after after.
func (b *Broker) checkGap(ctx context.Context, room string, after uint64) (*hub.Message, error) {
	raw, err := b.next(ctx, room, after+1)
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe to room %q: %w", room, err)
	}
	if raw != nil {
		m, prev, err := decodeStored(room, raw)
		if err != nil {
			return nil, fmt.Errorf("cluster: room %q: %w", room, err)
		}
		if prev > after {
			// The message before the first one held came after after.
			return nil, &hub.GapError{Room: room, After: after, Oldest: m.Seq}
		}
		return &m, nil
	}
	// The room holds nothing after after: it came to an end there, or
	// everything it held aged out (only MaxAge and stream-wide limits
	// remove a room's last message, and they remove a prefix of the stream).
	info, err := b.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe to room %q: %w", room, err)
	}
	st := info.State
	if after > st.LastSeq {
		// Not a sequence number this stream ever gave: a stream made anew.
		return nil, &hub.GapError{Room: room, After: after, Oldest: st.LastSeq + 1}
	}
	last, err := b.last(ctx, room)
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe to room %q: %w", room, err)
	}
	if last == 0 && after+1 < st.FirstSeq {
		// Everything up to FirstSeq-1 aged out, after+1 included: what
		// the room said after after, if anything, is gone.
		return nil, &hub.GapError{Room: room, After: after, Oldest: st.LastSeq + 1}
	}
	return nil, nil
}

func (s *subscription) run(first *hub.Message) {
	defer close(s.done)
	defer s.sub.Unsubscribe()
	if first != nil {
		s.b.stats.recovered.Add(1)
		s.emit(*first)
	}
	if s.dirty {
		s.fill()
	}
	tick := s.b.newTicker()
	defer tick.Stop()
	heard := false
	for s.ctx.Err() == nil {
		select {
		case <-s.ctx.Done():
		case m := <-s.ch:
			heard = true
			s.live(m)
		case <-tick.C:
			if !heard || s.dirty {
				s.catchUp()
			}
			heard = false
		}
	}
}

// live handles one fanned-out message: in order (its Trio-Prev is pos) it
// is delivered; already delivered, dropped; after a gap, the gap is read
// from the stream first.
func (s *subscription) live(nm *nats.Msg) {
	m, prev, err := decodeLive(s.room, nm.Header, nm.Data)
	if err != nil {
		s.b.log.Warn("cluster: skipping a fanned-out message", "room", s.room, "err", err)
		s.dirty = true
		return
	}
	if m.Seq <= s.pos {
		s.b.stats.dropped.Add(1)
		return
	}
	if prev > s.pos {
		s.fill()
		if m.Seq <= s.pos || s.ctx.Err() != nil {
			s.b.stats.dropped.Add(1)
			return
		}
		if prev > s.pos { // not readable yet: the next tick tries again
			s.dirty = true
			return
		}
	}
	s.b.stats.live.Add(1)
	s.emit(m)
}

// catchUp asks the stream for the room's last sequence number and reads
// what pos lacks of it: a message lost in fan-out with none after it.
func (s *subscription) catchUp() {
	if !s.b.nc.IsConnected() { // reconnecting: the tick after tries again
		s.dirty = true
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, requestTimeout)
	last, err := s.b.last(ctx, s.room)
	cancel()
	if err != nil {
		s.setDirty(err)
		return
	}
	if last > s.pos {
		s.fill()
		return
	}
	s.dirty = false
}

// fill delivers the room's stored messages after pos, in order, until the
// stream holds no more; a broken chain (a Trio-Prev after pos) ends the
// subscription with a *hub.GapError.
func (s *subscription) fill() {
	for s.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(s.ctx, requestTimeout)
		raw, err := s.b.next(ctx, s.room, s.pos+1)
		cancel()
		if err != nil {
			s.setDirty(err)
			return
		}
		if raw == nil {
			s.dirty = false
			return
		}
		m, prev, err := decodeStored(s.room, raw)
		if err != nil {
			s.b.log.Warn("cluster: skipping a stored message", "room", s.room, "seq", raw.Sequence, "err", err)
			s.pos = raw.Sequence
			continue
		}
		if prev > s.pos {
			s.end(&hub.GapError{Room: s.room, After: s.pos, Oldest: m.Seq})
			return
		}
		s.b.stats.recovered.Add(1)
		s.emit(m)
	}
}

// setDirty notes that the stream could not be read; the next tick tries
// again. The first failure of a series is logged.
func (s *subscription) setDirty(err error) {
	if s.ctx.Err() != nil {
		return
	}
	if !s.dirty {
		s.b.log.Warn("cluster: reading the room from the stream; will retry", "room", s.room, "after", s.pos, "err", err)
	}
	s.dirty = true
}

func (s *subscription) emit(m hub.Message) {
	if s.ctx.Err() != nil {
		return
	}
	s.pos = m.Seq
	s.deliver(m)
}

// end stops the subscription for err (nil: Unsubscribe); its goroutine
// returns soon after (callers other than that goroutine wait on done).
func (s *subscription) end(err error) {
	s.once.Do(func() {
		s.err = err
		s.cancel()
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
	})
}

// Unsubscribe ends the subscription; deliver is not called once it returns.
// It must not be called from deliver.
func (s *subscription) Unsubscribe() error {
	s.end(nil)
	<-s.done
	return nil
}

// Done is closed when the subscription has ended: Unsubscribe, the
// broker's Close, or a gap it cannot fill (see Err).
func (s *subscription) Done() <-chan struct{} { return s.done }

// Err says why the subscription ended: nil after Unsubscribe,
// hub.ErrBrokerClosed after Close, or a *hub.GapError when the instance
// missed more than the history holds (cut off from NATS for too long).
// It returns nil while the subscription runs.
func (s *subscription) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

var _ hub.Ender = (*subscription)(nil)
