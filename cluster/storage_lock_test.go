package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStorageLockWaits: a second instance's Lock blocks while the first
// holds the lock and returns soon after Unlock; a Lock whose context ends
// returns its error; TryLock does not wait.
func TestStorageLockWaits(t *testing.T) {
	url := storageNATS(t)
	a, _ := newTestStorage(t, url, StorageConfig{LockTTL: 2 * time.Second})
	b, _ := newTestStorage(t, url, StorageConfig{LockTTL: 2 * time.Second})
	ctx := testCtx(t)
	const name = "issue_cert_example.com"
	if err := a.Lock(ctx, name); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, name); ok || err != nil {
		t.Errorf("TryLock while held = %v, %v; want false, nil", ok, err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := b.Lock(short, name); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock with a context ending while held = %v; want context.DeadlineExceeded", err)
	}
	if err := b.Unlock(ctx, name); err == nil {
		t.Error("Unlock by an instance that does not hold the lock succeeded")
	}
	got := make(chan time.Time, 1)
	go func() {
		if err := b.Lock(ctx, name); err != nil {
			t.Error(err)
		}
		got <- time.Now()
	}()
	time.Sleep(3 * time.Second) // past LockTTL: a refreshed lock never goes stale
	select {
	case <-got:
		t.Fatal("Lock returned while another instance held (and refreshed) the lock")
	default:
	}
	released := time.Now()
	if err := a.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-got:
		if d := at.Sub(released); d > time.Second {
			t.Errorf("Lock returned %v after Unlock; want well under a second (it watches the key)", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock still waiting 5s after Unlock")
	}
	if err := a.Unlock(ctx, name); err == nil {
		t.Error("a second Unlock succeeded")
	}
	if err := b.RenewLockLease(ctx, name, time.Minute); err != nil {
		t.Errorf("RenewLockLease by the holder: %v", err)
	}
	if err := a.RenewLockLease(ctx, name, time.Minute); err == nil {
		t.Error("RenewLockLease by an instance not holding the lock succeeded")
	}
	if err := b.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.TryLock(ctx, name); !ok || err != nil {
		t.Errorf("TryLock when free = %v, %v; want true", ok, err)
	}
	if err := a.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
}

// TestStorageLockStale: when the holder dies (its connection gone, so no
// refresh), another instance takes the lock after LockTTL, not before;
// the old holder's Unlock then fails instead of releasing the new
// holder's lock.
func TestStorageLockStale(t *testing.T) {
	url := storageNATS(t)
	const ttl = 600 * time.Millisecond
	a, ncA := newTestStorage(t, url, StorageConfig{LockTTL: ttl})
	b, _ := newTestStorage(t, url, StorageConfig{LockTTL: ttl})
	c, _ := newTestStorage(t, url, StorageConfig{LockTTL: ttl})
	ctx := testCtx(t)
	const name = "issue_cert_stale.example"
	if err := a.Lock(ctx, name); err != nil {
		t.Fatal(err)
	}
	ncA.Close() // instance A is gone
	died := time.Now()
	if err := b.Lock(ctx, name); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(died); d < ttl-ttl/3 || d > 4*ttl {
		// The last refresh may have come up to LockTTL/3 before A died.
		t.Errorf("stale lock taken after %v; want about LockTTL (%v)", d, ttl)
	}
	if err := a.Unlock(context.Background(), name); err == nil {
		t.Error("the dead holder's Unlock succeeded; it must not release the new holder's lock")
	}
	if ok, _ := c.TryLock(ctx, name); ok {
		t.Error("TryLock succeeded while B holds the lock taken over")
	}
	// B, alive, keeps the lock past LockTTL.
	time.Sleep(2 * ttl)
	if ok, _ := c.TryLock(ctx, name); ok {
		t.Error("B's lock went stale though B refreshes it")
	}
	if err := b.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
}

// TestStorageLockExclusive: goroutines of three instances contend for
// one lock; at most one is ever inside, and every one gets in.
func TestStorageLockExclusive(t *testing.T) {
	url := storageNATS(t)
	var stores []*Storage
	for range 3 {
		s, _ := newTestStorage(t, url, StorageConfig{LockTTL: 5 * time.Second})
		stores = append(stores, s)
	}
	ctx := testCtx(t)
	var inside, most, entered atomic.Int32
	var wg sync.WaitGroup
	const perInstance = 4
	for _, s := range stores {
		for range perInstance {
			wg.Go(func() {
				if err := s.Lock(ctx, "renew_cert_busy.example"); err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				entered.Add(1)
				time.Sleep(20 * time.Millisecond)
				inside.Add(-1)
				if err := s.Unlock(ctx, "renew_cert_busy.example"); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if most.Load() != 1 || entered.Load() != 3*perInstance {
		t.Errorf("at most %d inside at once, %d entered; want 1 and %d", most.Load(), entered.Load(), 3*perInstance)
	}
}

// TestStorageCloseReleases: Close releases the locks held, so that
// others need not wait for them to go stale.
func TestStorageCloseReleases(t *testing.T) {
	url := storageNATS(t)
	a, _ := newTestStorage(t, url, StorageConfig{LockTTL: time.Minute})
	b, _ := newTestStorage(t, url, StorageConfig{LockTTL: time.Minute})
	ctx := testCtx(t)
	for _, name := range []string{"one", "two/with/slashes"} {
		if err := a.Lock(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two/with/slashes"} {
		if ok, err := b.TryLock(ctx, name); !ok || err != nil {
			t.Errorf("TryLock(%q) after the holder's Close = %v, %v; want true", name, ok, err)
		}
	}
}
