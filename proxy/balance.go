package proxy

import (
	"fmt"
	"math/rand/v2"
	"net/http"
)

// A picker chooses one of ups for r that is usable (see usable), or nil.
type picker func(p *Pool, r *http.Request, ups, exclude []*Upstream) *Upstream

// policy returns the picker of a PoolConfig.Policy.
func policy(name string) (picker, error) {
	switch name {
	case "", "round_robin":
		return roundRobin, nil
	case "least_conn":
		return leastConn, nil
	case "random_two":
		return randomTwo, nil
	case "hash":
		return hashPick, nil
	}
	return nil, fmt.Errorf("proxy: policy %q is not round_robin, least_conn, random_two or hash", name)
}

// roundRobin takes the upstreams in turn, skipping the unusable ones.
func roundRobin(p *Pool, r *http.Request, ups, exclude []*Upstream) *Upstream {
	n := uint64(len(ups))
	start := p.rr.Add(1) - 1
	for i := range n {
		if u := ups[(start+i)%n]; usable(u, exclude) {
			return u
		}
	}
	return nil
}

// leastConn takes the usable upstream with the fewest requests in flight
// (open WebSockets included); ties go round robin.
func leastConn(p *Pool, r *http.Request, ups, exclude []*Upstream) *Upstream {
	n := uint64(len(ups))
	start := p.rr.Add(1) - 1
	var best *Upstream
	var min int64
	for i := range n {
		u := ups[(start+i)%n]
		if !usable(u, exclude) {
			continue
		}
		if l := u.load(); best == nil || l < min {
			best, min = u, l
		}
	}
	return best
}

// randomTwo draws two usable upstreams at random and takes the one with
// fewer requests in flight: the power of two choices.
func randomTwo(p *Pool, r *http.Request, ups, exclude []*Upstream) *Upstream {
	var buf [16]*Upstream
	ok := buf[:0]
	for _, u := range ups {
		if usable(u, exclude) {
			ok = append(ok, u)
		}
	}
	switch len(ok) {
	case 0:
		return nil
	case 1:
		return ok[0]
	}
	i := rand.IntN(len(ok))
	j := rand.IntN(len(ok) - 1)
	if j >= i {
		j++
	}
	if ok[j].load() < ok[i].load() {
		return ok[j]
	}
	return ok[i]
}
