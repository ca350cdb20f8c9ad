package static

import "sync"

// metaCacheSize bounds the number of resolutions kept.
const metaCacheSize = 8192

// metaCache maps request keys to resolved files. Entries are immutable and
// replaced whole; eviction drops an arbitrary entry when full.
type metaCache struct {
	mu sync.RWMutex
	m  map[string]*file
}

func (c *metaCache) get(key string) *file {
	c.mu.RLock()
	f := c.m[key]
	c.mu.RUnlock()
	return f
}

func (c *metaCache) put(key string, f *file) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*file)
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= metaCacheSize {
		for k := range c.m { // map order is random: a cheap random eviction
			delete(c.m, k)
			break
		}
	}
	c.m[key] = f
}

func (c *metaCache) delete(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}
