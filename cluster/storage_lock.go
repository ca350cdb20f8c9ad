package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A heldLock is a lock this Storage holds, refreshed until Unlock.
type heldLock struct {
	rev  uint64 // the key's revision we last wrote; guarded by Storage.mu
	lost error  // set when a refresh found the lock taken; guarded by Storage.mu
	stop chan struct{}
	done chan struct{}
}

// lockValue is what a lock key holds: who holds it, for people reading
// the bucket. Ownership itself is the key's revision.
type lockValue struct {
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Acquired time.Time `json:"acquired"`
	Renewed  time.Time `json:"renewed"`
}

func (s *Storage) lockValue(name string, acquired time.Time) []byte {
	b, _ := json.Marshal(lockValue{Owner: s.owner, Name: name, Acquired: acquired, Renewed: time.Now()})
	return b
}

// Lock takes the lock name, waiting while another instance (or another
// goroutine) holds it, until it is released or goes stale, or ctx ends.
func (s *Storage) Lock(ctx context.Context, name string) error {
	key := lockKey(name)
	ok, cur, err := s.attempt(ctx, name, key, 0)
	if err != nil || ok {
		return lockErr(name, err)
	}
	// Held: watch the key, then look again, so that no release between
	// the first look and the watch goes unseen.
	var updates <-chan jetstream.KeyValueEntry // nil: poll alone
	if w, err := s.kv.Watch(ctx, key, jetstream.UpdatesOnly(), jetstream.MetaOnly()); err == nil {
		defer w.Stop()
		updates = w.Updates()
	} else if !kvTransient(err) {
		return lockErr(name, err)
	}
	poll := time.NewTimer(s.pollInterval())
	defer poll.Stop()
	seen, seenAt := cur, time.Now() // the holder's revision as last seen, and when
	for {
		var takeover uint64
		if seen != 0 && time.Since(seenAt) >= s.ttl {
			takeover = seen
		}
		ok, cur, err := s.attempt(ctx, name, key, takeover)
		if err != nil || ok {
			return lockErr(name, err)
		}
		if cur != seen {
			seen, seenAt = cur, time.Now()
		}
		poll.Reset(s.pollInterval())
		select {
		case <-ctx.Done():
			return lockErr(name, ctx.Err())
		case _, open := <-updates: // released, renewed or taken: look again
			if !open {
				updates = nil // the watch ended: poll alone
			}
		case <-poll.C:
		}
	}
}

// lockErr wraps a Lock error with the lock's name; nil stays nil.
func lockErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cluster: lock %s: %w", name, err)
}

// pollInterval is how often a waiter looks at a lock without news from
// its watch, so that a stale lock is taken within LockTTL/4 of going stale.
func (s *Storage) pollInterval() time.Duration {
	return min(max(s.ttl/4, 10*time.Millisecond), time.Second)
}

// TryLock takes the lock name if no one holds it, without waiting.
func (s *Storage) TryLock(ctx context.Context, name string) (bool, error) {
	ok, _, err := s.attempt(ctx, name, lockKey(name), 0)
	if err != nil {
		return false, fmt.Errorf("cluster: lock %s: %w", name, err)
	}
	return ok, nil
}

// attempt creates the lock key, or if takeover is not 0, replaces the
// stale lock at that revision. If it does not get the lock, cur is the
// revision of the lock held (0 if it vanished meanwhile).
func (s *Storage) attempt(ctx context.Context, name, key string, takeover uint64) (ok bool, cur uint64, err error) {
	now := time.Now()
	var rev uint64
	rev, err = kvRetry(ctx, func(ctx context.Context) (uint64, error) {
		if takeover == 0 {
			return s.kv.Create(ctx, key, s.lockValue(name, now))
		}
		return s.kv.Update(ctx, key, s.lockValue(name, now), takeover)
	})
	switch {
	case err == nil:
		s.hold(name, key, rev, now)
		return true, 0, nil
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
	default:
		return false, 0, err
	}
	e, err := s.get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	return false, e.Revision(), nil
}

// hold records a lock taken at rev and starts refreshing it.
func (s *Storage) hold(name, key string, rev uint64, acquired time.Time) {
	l := &heldLock{rev: rev, stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	s.held[name] = l
	s.mu.Unlock()
	go s.refresh(name, key, l, acquired)
}

// refresh rewrites the lock key every LockTTL/3 until l.stop closes or
// the lock turns out to have been taken over.
func (s *Storage) refresh(name, key string, l *heldLock, acquired time.Time) {
	defer close(l.done)
	every := s.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		rev := l.rev
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), every)
		next, err := s.kv.Update(ctx, key, s.lockValue(name, acquired), rev)
		cancel()
		s.mu.Lock()
		switch {
		case err == nil:
			l.rev = next
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
			l.lost = fmt.Errorf("cluster: lock %s went stale and was taken over", name)
		}
		lost := l.lost != nil
		s.mu.Unlock()
		if lost {
			return
		}
		// Any other error is NATS being away: try again next tick; if it
		// stays away past LockTTL, another instance may take the lock.
	}
}

// RenewLockLease refreshes the lock name now. Locks are refreshed
// without it until Unlock, so lease is not needed; the call reports
// whether the lock is still held.
func (s *Storage) RenewLockLease(ctx context.Context, name string, lease time.Duration) error {
	s.mu.Lock()
	l := s.held[name]
	var rev uint64
	var lost error
	if l != nil {
		rev, lost = l.rev, l.lost
	}
	s.mu.Unlock()
	switch {
	case l == nil:
		return fmt.Errorf("cluster: renewing lock %s: not held here", name)
	case lost != nil:
		return lost
	}
	next, err := kvRetry(ctx, func(ctx context.Context) (uint64, error) {
		return s.kv.Update(ctx, lockKey(name), s.lockValue(name, time.Now()), rev)
	})
	if err != nil {
		return fmt.Errorf("cluster: renewing lock %s: %w", name, err)
	}
	s.mu.Lock()
	if l.rev == rev {
		l.rev = next
	}
	s.mu.Unlock()
	return nil
}

// Unlock releases the lock name, which this Storage must hold. It fails
// if the lock went stale and another instance took it.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	l := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if l == nil {
		return fmt.Errorf("cluster: unlock %s: not held here", name)
	}
	close(l.stop)
	<-l.done
	s.mu.Lock()
	rev, lost := l.rev, l.lost
	s.mu.Unlock()
	if lost != nil {
		return lost
	}
	err := kvRetry0(ctx, func(ctx context.Context) error { return s.kv.Delete(ctx, lockKey(name), jetstream.LastRevision(rev)) })
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("cluster: unlock %s: taken over by another instance as stale", name)
	}
	if err != nil {
		return fmt.Errorf("cluster: unlock %s: %w", name, err)
	}
	return nil
}

// Close releases every lock this Storage holds, as
// certmagic.CleanUpOwnLocks does at exit. The Storage stays usable.
func (s *Storage) Close() error {
	s.mu.Lock()
	names := make([]string, 0, len(s.held))
	for name := range s.held {
		names = append(names, name)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), s.ttl)
	defer cancel()
	var errs []error
	for _, name := range names {
		if err := s.Unlock(ctx, name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
