package static

import "sync"

// blobKey names the bytes of one file version in one content coding.
type blobKey struct {
	name   string
	size   int64
	mtime  int64
	ino    uint64
	coding coding
}

// keyOf is the cache key of o encoded with c.
func keyOf(o *object, c coding) blobKey {
	return blobKey{o.name, o.size, o.modTime.UnixNano(), o.ino, c}
}

// blobEntry is one cached body; ready is closed once data is set.
type blobEntry struct {
	key        blobKey
	data       []byte // nil: not worth keeping (compression did not shrink it)
	err        error
	ready      chan struct{}
	cost       int64
	prev, next *blobEntry // LRU ring; nil while filling
}

// blobOverhead is charged per entry on top of its bytes.
const blobOverhead = 128

// blobCache keeps file bodies (small files, compressed variants) in memory,
// bounded by total bytes with least-recently-used eviction. Concurrent
// requests for a missing key wait for one fill.
type blobCache struct {
	max int64

	mu    sync.Mutex // guards below
	m     map[blobKey]*blobEntry
	ring  blobEntry // sentinel: ring.next is most recent
	bytes int64
}

// get returns the body for k, calling fill once if it is not cached.
func (c *blobCache) get(k blobKey, fill func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e := c.m[k]; e != nil {
		if e.next != nil {
			c.unlink(e)
			c.pushFront(e)
			c.mu.Unlock()
			return e.data, nil
		}
		c.mu.Unlock()
		<-e.ready
		return e.data, e.err
	}
	if c.m == nil {
		c.m = make(map[blobKey]*blobEntry)
		c.ring.next, c.ring.prev = &c.ring, &c.ring
	}
	e := &blobEntry{key: k, ready: make(chan struct{})}
	c.m[k] = e
	c.mu.Unlock()

	defer close(e.ready)
	e.err = errFillPanicked
	defer c.finish(e) // runs before close, even if fill panics
	e.data, e.err = fill()
	return e.data, e.err
}

// finish accounts a filled entry, or forgets it on error.
func (c *blobCache) finish(e *blobEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.cost = int64(len(e.data)) + blobOverhead
	if e.err != nil || e.cost > c.max {
		delete(c.m, e.key)
		return
	}
	c.pushFront(e)
	c.bytes += e.cost
	for c.bytes > c.max {
		old := c.ring.prev
		c.unlink(old)
		delete(c.m, old.key)
		c.bytes -= old.cost
	}
}

func (c *blobCache) pushFront(e *blobEntry) {
	e.prev, e.next = &c.ring, c.ring.next
	c.ring.next.prev = e
	c.ring.next = e
}

func (c *blobCache) unlink(e *blobEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}
