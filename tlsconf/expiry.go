package tlsconf

import (
	"net"
	"time"
)

// Expiries returns, for each name a certificate of r serves, when that
// certificate expires: the names and IP addresses of Files' certificates,
// the local CA's leaves issued so far, and ACME's certificates in its
// cache. Where two sources serve a name, the one the router picks for it
// counts. It is meant for metrics, read at each scrape.
func (r *Router) Expiries() map[string]time.Time {
	m := make(map[string]time.Time)
	if r.Local != nil {
		r.Local.leaves.expiries(m)
	}
	if r.ACME != nil {
		r.ACME.expiries(m)
	}
	for i := len(r.Files) - 1; i >= 0; i-- { // the first file covering a name wins
		leaf := r.Files[i].Certificate().Leaf
		for _, n := range leaf.DNSNames {
			m[normalizeName(n)] = leaf.NotAfter
		}
		for _, ip := range leaf.IPAddresses {
			m[ip.String()] = leaf.NotAfter
		}
	}
	return m
}

// expiries adds the leaves issued so far, by name.
func (c *leafCache) expiries(m map[string]time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, call := range c.calls {
		select {
		case <-call.done:
			if call.err == nil {
				m[name] = call.cert.Leaf.NotAfter
			}
		default: // being issued
		}
	}
}

// expiries adds the certificates in the cache for the names a has been
// told about or has obtained, the latest expiry per name.
func (a *ACME) expiries(m map[string]time.Time) {
	a.mu.Lock()
	st := a.state
	a.mu.Unlock()
	if st == nil {
		return
	}
	for _, name := range st.names.ok() {
		if net.ParseIP(name) != nil {
			continue
		}
		for _, c := range st.cache.AllMatchingCertificates(name) {
			if c.Leaf != nil && c.Leaf.NotAfter.After(m[name]) {
				m[name] = c.Leaf.NotAfter
			}
		}
	}
}
