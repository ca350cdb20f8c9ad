package config

import "net/http"

// A headerRule sets and deletes response headers on matching paths.
type headerRule struct {
	pat *pattern
	set http.Header
	del []string
}

// newHeaderRule builds the rule of h; its pattern was checked by Load.
func newHeaderRule(h *HeaderRule) *headerRule {
	r := &headerRule{pat: mustPattern(h.Path), set: http.Header{}, del: h.Delete}
	for k, v := range h.Set {
		r.set.Set(k, v)
	}
	return r
}

// apply changes hdr, the headers of a response to path, by every rule
// that matches, in order.
func applyHeaders(hdr http.Header, path string, rules []*headerRule) {
	for _, h := range rules {
		if !h.pat.matches(path) {
			continue
		}
		for _, k := range h.del {
			hdr.Del(k)
		}
		for k, v := range h.set {
			hdr[k] = v
		}
	}
}
