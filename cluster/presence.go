package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/triohttp/trio/hub"
)

// A presence is one member this instance announced: a key of the presence
// bucket that it refreshes until leave, and deletes then.
type presence struct {
	key string
	val []byte
	rev uint64 // revision of this instance's last write; guarded by Broker.mu
}

// Announce writes m to the presence bucket under room and the member's ID,
// and refreshes it every third of PresenceTTL until leave or Close. If the
// instance dies, the bucket's TTL (PresenceTTL) removes it, and Present
// ignores it once it is older than that already. Announcing an ID present
// elsewhere takes it over; the other instance's refresh then gives it up.
func (b *Broker) Announce(ctx context.Context, room string, m hub.Presence) (func(), error) {
	if err := hub.CheckRoom(room); err != nil {
		return nil, err
	}
	if m.ID == "" {
		return nil, errors.New("cluster: announce: presence without an ID")
	}
	if b.isClosed() {
		return nil, hub.ErrBrokerClosed
	}
	val, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	p := &presence{key: presenceKey(room, m.ID), val: val}
	rev, err := b.kv.Put(ctx, p.key, val)
	if err != nil {
		return nil, fmt.Errorf("cluster: announce %q in room %q: %w", m.ID, room, err)
	}
	b.mu.Lock()
	p.rev = rev
	closed := b.closed
	if !closed {
		b.presences[p.key] = p
	}
	b.mu.Unlock()
	if closed {
		b.withdraw(p)
		return nil, hub.ErrBrokerClosed
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			mine := b.presences[p.key] == p
			if mine {
				delete(b.presences, p.key)
			}
			b.mu.Unlock()
			if mine {
				b.withdraw(p)
			}
		})
	}, nil
}

// withdraw deletes p's key unless another instance wrote it since.
func (b *Broker) withdraw(p *presence) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	b.mu.Lock()
	rev := p.rev
	b.mu.Unlock()
	err := b.kv.Delete(ctx, p.key, jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		b.log.Warn("cluster: withdrawing a presence; it will age out", "key", p.key, "err", err)
		return err
	}
	return nil
}

// withdrawAll withdraws every presence of a closed broker.
func (b *Broker) withdrawAll() error {
	b.mu.Lock()
	ps := make([]*presence, 0, len(b.presences))
	for _, p := range b.presences {
		ps = append(ps, p)
	}
	clear(b.presences)
	b.mu.Unlock()
	var errs []error
	for _, p := range ps {
		errs = append(errs, b.withdraw(p))
	}
	return errors.Join(errs...)
}

// refreshPresence rewrites every presence of the broker every third of
// PresenceTTL, until Close.
func (b *Broker) refreshPresence() {
	defer b.wg.Done()
	tick := time.NewTicker(b.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		b.mu.Lock()
		ps := make([]*presence, 0, len(b.presences))
		for _, p := range b.presences {
			ps = append(ps, p)
		}
		b.mu.Unlock()
		for _, p := range ps {
			if b.ctx.Err() != nil {
				return
			}
			b.refresh(p)
		}
	}
}

// refresh rewrites p if this instance still holds it, or writes it anew if
// it aged out (NATS was unreachable for a while); it gives p up when
// another instance announced the same member since.
func (b *Broker) refresh(p *presence) {
	if !b.nc.IsConnected() { // reconnecting (or closed): nothing to do yet
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, requestTimeout)
	defer cancel()
	b.mu.Lock()
	rev := p.rev
	b.mu.Unlock()
	rev, err := b.kv.Update(ctx, p.key, p.val, rev)
	if errors.Is(err, jetstream.ErrKeyExists) { // written since, or aged out
		_, err = b.kv.Get(ctx, p.key)
		switch {
		case err == nil:
			b.giveUp(p)
			return
		case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
			rev, err = b.kv.Create(ctx, p.key, p.val)
			if errors.Is(err, jetstream.ErrKeyExists) {
				b.giveUp(p)
				return
			}
		}
	}
	if err != nil {
		b.log.Warn("cluster: refreshing a presence", "key", p.key, "err", err)
		return
	}
	b.mu.Lock()
	p.rev = rev
	b.mu.Unlock()
}

// giveUp forgets p, which another instance announced since.
func (b *Broker) giveUp(p *presence) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.presences[p.key] == p {
		delete(b.presences, p.key)
	}
}

// Present lists room's members on every instance: the bucket's entries
// under room, less those older than PresenceTTL (their instance died and
// the bucket has not dropped them yet).
func (b *Broker) Present(ctx context.Context, room string) ([]hub.Presence, error) {
	if err := hub.CheckRoom(room); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, hub.ErrBrokerClosed
	}
	w, err := b.kv.Watch(ctx, room+".>", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("cluster: presence in room %q: %w", room, err)
	}
	defer w.Stop()
	ps := []hub.Presence{}
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: presence in room %q: %w", room, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("cluster: presence in room %q: watcher stopped", room)
			}
			if e == nil { // the current values are all in
				return ps, nil
			}
			if time.Since(e.Created()) > b.ttl {
				continue
			}
			var p hub.Presence
			if err := json.Unmarshal(e.Value(), &p); err != nil {
				b.log.Warn("cluster: skipping a malformed presence", "key", e.Key(), "err", err)
				continue
			}
			ps = append(ps, p)
		}
	}
}
