package proxy

import (
	"fmt"
	"net/http"
	"strings"
)

// A hashKey is what the "hash" policy hashes.
type hashKey struct {
	kind string // "cookie", "header", "ip", "query"; "" for other policies
	name string // the cookie, header or query parameter
}

// parseHashKey parses a PoolConfig.HashKey for policy.
func parseHashKey(policy, s string) (hashKey, error) {
	if policy != "hash" {
		if s != "" {
			return hashKey{}, fmt.Errorf("proxy: hash key %q needs policy hash", s)
		}
		return hashKey{}, nil
	}
	if s == "" || s == "ip" {
		return hashKey{kind: "ip"}, nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" || (kind != "cookie" && kind != "header" && kind != "query") {
		return hashKey{}, fmt.Errorf(`proxy: hash key %q is not "cookie:NAME", "header:NAME", "ip" or "query:NAME"`, s)
	}
	if kind == "header" {
		name = http.CanonicalHeaderKey(name)
	}
	return hashKey{kind: kind, name: name}, nil
}

// of is r's key, "" if r has none.
func (k hashKey) of(r *http.Request) string {
	switch k.kind {
	case "cookie":
		if c, err := r.Cookie(k.name); err == nil {
			return c.Value
		}
	case "header":
		return r.Header.Get(k.name)
	case "query":
		return r.URL.Query().Get(k.name)
	case "ip":
		if ip, ok := peerIP(r); ok { // one client, one key: ::ffff:1.2.3.4 is 1.2.3.4
			return ip.String()
		}
		return r.RemoteAddr
	}
	return ""
}

// hashPick is rendezvous (highest random weight) hashing: each upstream
// scores the key, and the usable one with the highest score wins. Adding
// an upstream moves to it only the keys it now wins; removing one, or
// skipping it while it is down, moves only its keys, each to its
// second-best upstream. A request without the key goes round robin.
func hashPick(p *Pool, r *http.Request, ups, exclude []*Upstream) *Upstream {
	key := p.settings().key.of(r)
	if key == "" {
		return roundRobin(p, r, ups, exclude)
	}
	h := hashString(key)
	var best *Upstream
	var max uint64
	for _, u := range ups {
		if !usable(u, exclude) {
			continue
		}
		if s := mix(h ^ u.hash); best == nil || s > max {
			best, max = u, s
		}
	}
	return best
}

// hashString is FNV-1a, 64 bits, without an allocation.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is splitmix64's finalizer: it spreads the bits of x so that the
// scores of one key on different upstreams are independent.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
