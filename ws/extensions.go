package ws

import (
	"net/http"
	"strings"
)

// An extension is one element of a Sec-WebSocket-Extensions header: a
// name and its parameters in order (RFC 6455 section 9.1).
type extension struct {
	name   string
	params []param
}

type param struct {
	key, val string
	hasVal   bool
}

// parseExtensions parses every Sec-WebSocket-Extensions line of h. It
// reports false for a malformed header; tokens are compared
// case-insensitively and lowered.
func parseExtensions(h http.Header) ([]extension, bool) {
	var exts []extension
	for _, line := range h.Values("Sec-WebSocket-Extensions") {
		for elem := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(elem) == "" {
				continue // empty list elements are allowed (RFC 9110 section 5.6.1)
			}
			parts := strings.Split(elem, ";")
			e := extension{name: strings.ToLower(strings.TrimSpace(parts[0]))}
			if !isToken(e.name) {
				return nil, false
			}
			for _, p := range parts[1:] {
				k, v, hasVal := strings.Cut(p, "=")
				k = strings.ToLower(strings.TrimSpace(k))
				v = strings.TrimSpace(v)
				if hasVal && len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				if !isToken(k) || (hasVal && !isToken(v)) {
					return nil, false
				}
				e.params = append(e.params, param{k, v, hasVal})
			}
			exts = append(exts, e)
		}
	}
	return exts, true
}

func (e extension) String() string {
	var b strings.Builder
	b.WriteString(e.name)
	for _, p := range e.params {
		b.WriteString("; " + p.key)
		if p.hasVal {
			b.WriteString("=" + p.val)
		}
	}
	return b.String()
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// headerTokens returns the comma-separated tokens of every line of h[key],
// trimmed, empty ones dropped.
func headerTokens(h http.Header, key string) []string {
	var out []string
	for _, line := range h.Values(key) {
		for t := range strings.SplitSeq(line, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}
