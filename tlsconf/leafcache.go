package tlsconf

import (
	"crypto/tls"
	"sync"
	"time"
)

// maxLeaves bounds the leaf cache, so that clients sending many server
// names cannot grow it without limit.
const maxLeaves = 1000

// A leafCache holds issued leaves by name. Concurrent requests for one name
// share a single issue call. The zero value is empty and ready to use.
type leafCache struct {
	mu    sync.Mutex
	calls map[string]*leafCall
}

// A leafCall is one issue call; done is closed once cert and err are set.
type leafCall struct {
	done chan struct{}
	cert *tls.Certificate
	err  error
}

// get returns the cached leaf for name, or calls issue for a new one if
// there is none or it expires within leafRenew.
func (c *leafCache) get(name string, issue func(string) (*tls.Certificate, error)) (*tls.Certificate, error) {
	c.mu.Lock()
	if call, ok := c.calls[name]; ok {
		select {
		case <-call.done:
			if call.err == nil && fresh(call.cert) {
				c.mu.Unlock()
				return call.cert, nil
			}
		default: // in flight: wait for it
			c.mu.Unlock()
			<-call.done
			return call.cert, call.err
		}
	}
	call := &leafCall{done: make(chan struct{})}
	c.put(name, call)
	c.mu.Unlock()

	call.cert, call.err = issue(name)
	close(call.done)
	if call.err != nil { // don't cache failures
		c.mu.Lock()
		if c.calls[name] == call {
			delete(c.calls, name)
		}
		c.mu.Unlock()
	}
	return call.cert, call.err
}

// put stores call under name, making room first if the cache is full.
// c.mu must be held.
func (c *leafCache) put(name string, call *leafCall) {
	if c.calls == nil {
		c.calls = make(map[string]*leafCall)
	}
	if _, ok := c.calls[name]; !ok && len(c.calls) >= maxLeaves {
		c.evict()
	}
	c.calls[name] = call
}

// evict drops stale leaves, or if none is stale, one finished leaf chosen
// at random. c.mu must be held.
func (c *leafCache) evict() {
	var victim string
	for name, call := range c.calls {
		select {
		case <-call.done:
			if call.err != nil || !fresh(call.cert) {
				delete(c.calls, name)
				continue
			}
			if victim == "" {
				victim = name
			}
		default: // in flight
		}
	}
	if len(c.calls) >= maxLeaves && victim != "" {
		delete(c.calls, victim)
	}
}

// fresh reports whether cert is valid for more than leafRenew.
func fresh(cert *tls.Certificate) bool {
	return time.Until(cert.Leaf.NotAfter) > leafRenew
}
