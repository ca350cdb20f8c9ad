package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/triohttp/trio/hub"
)

// Presence is two key-value buckets, so that what an instance writes to
// stay present does not grow with its members:
//
//   - members ("<prefix>_presence"): a key per member and room,
//     "<room>.m<base64url(id)>", holding the hub.Presence and the id of
//     the broker that announced it. Written at Announce, deleted at leave,
//     rewritten every memberTTL/3 (the bucket's TTL, memberTTL, only
//     clears what dead instances left behind).
//   - beats ("<prefix>_instances"): a key per live broker, rewritten every
//     PresenceTTL/4, with 3/4 PresenceTTL as the bucket's TTL: two beats
//     may fail before a live broker's members vanish, and the server's
//     expiry (a few hundred milliseconds late at worst) still ends a dead
//     one's within PresenceTTL.
//
// Present lists a room's members and keeps those whose broker still has a
// beat: the members of an instance that died vanish with its beat, within
// PresenceTTL of its death, and Present deletes them. Ageing uses the NATS
// servers' clocks only.

// memberTTL bounds how long a member key outlives its dead instance if no
// Present clears it.
const memberTTL = time.Hour

// beatTTL is the beats bucket's TTL for PresenceTTL ttl; beats come every
// ttl/4.
func beatTTL(ttl time.Duration) time.Duration { return ttl * 3 / 4 }

// withdrawTimeout bounds Close's deletion of the broker's members.
const withdrawTimeout = 5 * time.Second

// A presence is one member this broker announced.
type presence struct {
	key string
	val []byte
	rev uint64 // revision of this broker's last write; guarded by Broker.mu
}

// A record is a member's value in the members bucket.
type record struct {
	hub.Presence
	Broker string `json:"broker"` // the announcing broker's key in beats
}

// beat writes the broker's key in beats.
func (b *Broker) beat(ctx context.Context) error {
	host, _ := os.Hostname()
	_, err := b.beats.Put(ctx, b.id, fmt.Appendf(nil, "%s-%d", host, os.Getpid()))
	return err
}

// Announce writes m to the members bucket under room and the member's ID.
// It stays until leave, Close, or the broker's death (its beat ages out
// within PresenceTTL). Announcing an ID present elsewhere takes it over;
// the other instance's late leave then leaves it alone.
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
	val, err := json.Marshal(record{Presence: m, Broker: b.id})
	if err != nil {
		return nil, err
	}
	p := &presence{key: presenceKey(room, m.ID), val: val}
	rev, err := b.members.Put(ctx, p.key, val)
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
		b.withdraw(ctx, p)
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
				ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
				defer cancel()
				b.withdraw(ctx, p)
			}
		})
	}, nil
}

// withdraw deletes p's key unless another instance wrote it since.
func (b *Broker) withdraw(ctx context.Context, p *presence) {
	b.mu.Lock()
	rev := p.rev
	b.mu.Unlock()
	err := b.members.Delete(ctx, p.key, jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		b.log.Warn("cluster: withdrawing a presence; Present hides it once the instance's beat ages out", "key", p.key, "err", err)
	}
}

// withdrawAll deletes the closed broker's beat, which hides its members
// at once, then their keys, 32 at a time, for withdrawTimeout at most.
// Without a connection it does nothing: the beat ages out.
func (b *Broker) withdrawAll() {
	b.mu.Lock()
	ps := make([]*presence, 0, len(b.presences))
	for _, p := range b.presences {
		ps = append(ps, p)
	}
	clear(b.presences)
	b.mu.Unlock()
	if !b.nc.IsConnected() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), withdrawTimeout)
	defer cancel()
	if err := b.beats.Delete(ctx, b.id); err != nil {
		b.log.Warn("cluster: deleting the instance's beat; it will age out", "err", err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, p := range ps {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b.withdraw(ctx, p)
		})
	}
	wg.Wait()
}

// refreshPresence rewrites the broker's beat every PresenceTTL/4, and its
// members every memberEvery, until Close.
func (b *Broker) refreshPresence() {
	defer b.wg.Done()
	tick := time.NewTicker(b.ttl / 4)
	defer tick.Stop()
	lastMembers := time.Now()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		if !b.nc.IsConnected() { // reconnecting (or closed): nothing to do yet
			continue
		}
		ctx, cancel := context.WithTimeout(b.ctx, requestTimeout)
		if err := b.beat(ctx); err != nil && b.ctx.Err() == nil {
			b.log.Warn("cluster: refreshing the instance's beat", "err", err)
		}
		cancel()
		if time.Since(lastMembers) < b.memberEvery {
			continue
		}
		lastMembers = time.Now()
		for _, p := range b.held() {
			if b.ctx.Err() != nil {
				return
			}
			b.refresh(p)
		}
	}
}

// held returns the presences b holds.
func (b *Broker) held() []*presence {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Collect(maps.Values(b.presences))
}

// refresh rewrites p if this broker still holds it, or writes it anew if
// it aged out; it gives p up when another instance announced the same
// member since.
func (b *Broker) refresh(p *presence) {
	ctx, cancel := context.WithTimeout(b.ctx, requestTimeout)
	defer cancel()
	b.mu.Lock()
	rev := p.rev
	b.mu.Unlock()
	// A conflict is ErrKeyRevisionMismatch: ErrKeyExists matches only a
	// lone node's error code, not every replicated bucket's.
	rev, err := b.members.Update(ctx, p.key, p.val, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) { // written since, or aged out
		_, err = b.members.Get(ctx, p.key)
		switch {
		case err == nil:
			b.giveUp(p)
			return
		case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
			rev, err = b.members.Create(ctx, p.key, p.val)
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

// Present lists room's members whose broker is alive (its beat, rewritten
// every PresenceTTL/4, has not aged out of the beats bucket), and deletes
// those of dead brokers.
func (b *Broker) Present(ctx context.Context, room string) ([]hub.Presence, error) {
	if err := hub.CheckRoom(room); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, hub.ErrBrokerClosed
	}
	alive := map[string]bool{}
	err := b.each(ctx, b.beats, ">", func(e jetstream.KeyValueEntry) {
		alive[e.Key()] = true // the bucket's TTL (the server's clock) removes old beats
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: presence in room %q: %w", room, err)
	}
	ps := []hub.Presence{}
	var dead []jetstream.KeyValueEntry
	err = b.each(ctx, b.members, room+".>", func(e jetstream.KeyValueEntry) {
		var r record
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			b.log.Warn("cluster: skipping a malformed presence", "key", e.Key(), "err", err)
			return
		}
		if !alive[r.Broker] {
			dead = append(dead, e)
			return
		}
		ps = append(ps, r.Presence)
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: presence in room %q: %w", room, err)
	}
	for _, e := range dead { // unless rewritten since
		b.members.Delete(ctx, e.Key(), jetstream.LastRevision(e.Revision()))
	}
	return ps, nil
}

// each calls f with every current entry of kv under keys.
func (b *Broker) each(ctx context.Context, kv jetstream.KeyValue, keys string, f func(jetstream.KeyValueEntry)) error {
	w, err := kv.Watch(ctx, keys, jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("watcher stopped")
			}
			if e == nil { // the current values are all in
				return nil
			}
			f(e)
		}
	}
}
