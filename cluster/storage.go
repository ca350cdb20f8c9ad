package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultCertBucket is StorageConfig.Bucket when empty.
const DefaultCertBucket = "trio_certs"

// DefaultLockTTL is StorageConfig.LockTTL when zero: as long as
// certmagic.FileStorage lets a lock go unrefreshed before it is stale.
const DefaultLockTTL = 10 * time.Second

// StorageConfig configures NewStorage. The zero value is usable.
type StorageConfig struct {
	// Bucket is the JetStream key-value bucket, created if missing.
	// If empty, DefaultCertBucket.
	Bucket string

	// Replicas is the bucket's number of replicas when NewStorage creates
	// it. If zero, 1.
	Replicas int

	// LockTTL is how long a lock may go without its holder refreshing it
	// before another instance takes it over as stale. Holders refresh
	// every LockTTL/3. If zero, DefaultLockTTL.
	LockTTL time.Duration

	// Owner names this instance in the locks it holds, for people reading
	// the bucket. If empty, hostname-pid.
	Owner string
}

// A Storage is a certmagic.Storage on a JetStream key-value bucket, so
// that trio instances sharing a NATS cluster share certificates, ACME
// accounts and challenge tokens, and only one of them orders each
// certificate. It also implements certmagic.TryLocker and
// certmagic.LockLeaseRenewer. Make one with NewStorage; it is safe for
// concurrent use.
//
// # Keys
//
// certmagic keys are paths ("certificates/acme/example.com/example.com.crt")
// while KV keys allow only [-/_=.a-zA-Z0-9] with "." separating tokens. A
// file key is stored as "k." and its path components joined by ".", each
// component kept as is where it is [-_a-zA-Z0-9] and every other byte
// written "=XX" (upper-case hex); an empty component is "=". So every
// string round-trips, and "k.certificates.>" lists a folder. Locks are
// "l." and the lock name as one escaped component.
//
// # Locks
//
// Lock creates the lock key, which fails while another holds it. The
// holder rewrites the key every LockTTL/3, each write a new revision; a
// waiter that sees one revision unchanged for LockTTL on its own clock
// takes the lock over with a compare-and-set on that revision, so no two
// waiters take over one stale lock and clocks need not agree. Unlock
// deletes the key only at the holder's revision: a holder whose lock was
// taken over gets an error rather than releasing the new holder's.
//
// # Failures
//
// While the cluster elects a new leader for the bucket (a node was lost)
// or the connection moves to another node, requests go unanswered for a
// moment; each call retries them for up to 10s (see kvRetry), so that
// certmagic sees no error for a lost node.
type Storage struct {
	kv    jetstream.KeyValue
	ttl   time.Duration
	owner string

	mu   sync.Mutex // guards held
	held map[string]*heldLock
}

// NewStorage binds the bucket cfg names in js, creating it if missing,
// and makes its reads go through the bucket's leader (see leaderReads).
func NewStorage(ctx context.Context, js jetstream.JetStream, cfg StorageConfig) (*Storage, error) {
	bucket := cmp.Or(cfg.Bucket, DefaultCertBucket)
	_, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      bucket,
			Description: "trio: certificates, ACME accounts and locks (certmagic.Storage)",
			Replicas:    max(cfg.Replicas, 1),
			Storage:     jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) { // another instance created it first
			err = nil
		}
	}
	if err == nil {
		err = leaderReads(ctx, js, bucket)
	}
	var kv jetstream.KeyValue
	if err == nil {
		kv, err = js.KeyValue(ctx, bucket) // binds with the stream's config as it is now
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: certificate storage: bucket %q: %w", bucket, err)
	}
	s := &Storage{kv: kv, ttl: cfg.LockTTL, owner: cfg.Owner, held: map[string]*heldLock{}}
	if s.ttl <= 0 {
		s.ttl = DefaultLockTTL
	}
	if s.owner == "" {
		host, _ := os.Hostname()
		s.owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return s, nil
}

// leaderReads turns direct gets off on the bucket's stream, which
// nats.go turns on when it creates a bucket: a direct get may be answered
// by a replica that has not applied the last write yet, and an instance
// that takes a lock just released must load what the holder stored, or it
// orders the certificate again. Without direct gets every read goes
// through the stream's leader. Each instance checks before it binds, so
// none binds while they are on.
func leaderReads(ctx context.Context, js jetstream.JetStream, bucket string) error {
	st, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		return err
	}
	c := st.CachedInfo().Config
	if !c.AllowDirect {
		return nil
	}
	c.AllowDirect = false
	_, err = js.UpdateStream(ctx, c)
	return err
}

// String names the storage in certmagic's logs.
func (s *Storage) String() string { return "nats-kv:" + s.kv.Bucket() }

// Store puts value at key.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	if _, err := kvRetry(ctx, func(ctx context.Context) (uint64, error) { return s.kv.Put(ctx, fileKey(key), value) }); err != nil {
		return fmt.Errorf("cluster: storing %s: %w", key, err)
	}
	return nil
}

// Load returns the value at key, or an error wrapping fs.ErrNotExist.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	e, err := s.get(ctx, fileKey(key))
	if err != nil {
		return nil, notExist("loading", key, err)
	}
	return e.Value(), nil
}

// notExist wraps err, as fs.ErrNotExist when the key is missing.
func notExist(op, key string, err error) error {
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("cluster: %s %s: %w", op, key, fs.ErrNotExist)
	}
	return fmt.Errorf("cluster: %s %s: %w", op, key, err)
}

// Delete removes key and every key under it as a folder. A missing key
// is not an error.
func (s *Storage) Delete(ctx context.Context, key string) error {
	keys, err := s.keys(ctx, key, true)
	if err != nil {
		return fmt.Errorf("cluster: deleting %s: %w", key, err)
	}
	for _, k := range keys {
		if err := kvRetry0(ctx, func(ctx context.Context) error { return s.kv.Purge(ctx, k) }); err != nil {
			return fmt.Errorf("cluster: deleting %s: %w", key, err)
		}
	}
	return nil
}

// Exists reports whether key is a file or a folder of files.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	keys, err := s.keys(ctx, key, true)
	return err == nil && len(keys) > 0
}

// Stat describes key: a file, with its size and the time it was stored,
// or a folder (IsTerminal false).
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	e, err := s.get(ctx, fileKey(key))
	if err == nil {
		return certmagic.KeyInfo{Key: key, Modified: e.Created(), Size: int64(len(e.Value())), IsTerminal: true}, nil
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return certmagic.KeyInfo{}, fmt.Errorf("cluster: stat %s: %w", key, err)
	}
	under, err := s.keys(ctx, key, false)
	if err != nil {
		return certmagic.KeyInfo{}, fmt.Errorf("cluster: stat %s: %w", key, err)
	}
	if len(under) == 0 {
		return certmagic.KeyInfo{}, notExist("stat", key, jetstream.ErrKeyNotFound)
	}
	return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
}

// List returns the keys under the folder prefix ("" is the top), as
// certmagic.FileStorage does: its files and folders, and if recursive,
// theirs too, all below it. A prefix that is a file has none; one that
// is neither gives an error wrapping fs.ErrNotExist.
func (s *Storage) List(ctx context.Context, prefix string, recursive bool) ([]string, error) {
	keys, err := s.keys(ctx, prefix, true)
	if err != nil {
		return nil, fmt.Errorf("cluster: listing %s: %w", prefix, err)
	}
	if len(keys) == 0 {
		return nil, notExist("listing", prefix, jetstream.ErrKeyNotFound)
	}
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range keys {
		name, err := decodeFileKey(k)
		if err != nil {
			continue // not written by a Storage; certmagic cannot name it
		}
		rel, ok := below(prefix, name)
		if !ok {
			continue // the prefix itself, a file
		}
		parts := strings.Split(rel, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			add(joinKey(prefix, strings.Join(parts[:i+1], "/")))
		}
	}
	slices.Sort(out)
	return out, nil
}

// below returns name relative to the folder prefix, if it is under it.
func below(prefix, name string) (string, bool) {
	if prefix == "" {
		return name, true
	}
	rel, ok := strings.CutPrefix(name, prefix+"/")
	return rel, ok
}

func joinKey(prefix, rel string) string {
	if prefix == "" {
		return rel
	}
	return prefix + "/" + rel
}

// keys returns the KV keys of the file key (if withFile) and of the files
// under it as a folder. The key "" is the top folder.
func (s *Storage) keys(ctx context.Context, key string, withFile bool) ([]string, error) {
	filter := "k.>"
	var filters []string
	if key != "" {
		filter = fileKey(key) + ".>"
		if withFile {
			filters = append(filters, fileKey(key))
		}
	}
	filters = append(filters, filter)
	return kvRetry(ctx, func(ctx context.Context) ([]string, error) {
		l, err := s.kv.ListKeysFiltered(ctx, filters...)
		if err != nil {
			return nil, err
		}
		var keys []string
		for k := range l.Keys() {
			keys = append(keys, k)
		}
		if err := ctx.Err(); err != nil {
			return nil, err // the lister stops quietly when ctx ends
		}
		slices.Sort(keys)
		return slices.Compact(keys), nil
	})
}

// get is kv.Get, retried while the cluster cannot answer.
func (s *Storage) get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	return kvRetry(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) { return s.kv.Get(ctx, key) })
}

var (
	_ certmagic.Storage          = (*Storage)(nil)
	_ certmagic.TryLocker        = (*Storage)(nil)
	_ certmagic.LockLeaseRenewer = (*Storage)(nil)
)

// Storage is the cluster's certificate storage, for tlsconf.ACME.Storage,
// or nil when Start fell back to local-only (no NATS: use a file
// storage).
func (c *Cluster) Storage() certmagic.Storage {
	if c.storage == nil {
		return nil
	}
	return c.storage
}
