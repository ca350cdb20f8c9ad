package testtool

import "sync"

// A Counter counts named events reported from any goroutine, such as the
// limits an engine's LimitHit hook reports. Its zero value is ready.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Hit counts one event of name.
func (c *Counter) Hit(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[name]++
}

// Get is how many events of name were counted.
func (c *Counter) Get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}
