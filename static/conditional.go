package static

import (
	"net/http"
	"net/textproto"
	"time"
)

// checkPreconditions evaluates the conditional request fields of a GET or
// HEAD in the order of RFC 9110 §13.2.2 against the selected
// representation's etag and modTime. It returns 0 to proceed, 304 or 412.
func checkPreconditions(h http.Header, etag string, modTime time.Time) int {
	lm := modTime.Truncate(time.Second) // HTTP-dates have one-second resolution
	// Step 1: If-Match, strong comparison (§13.1.1).
	if im := h.Values("If-Match"); len(im) > 0 {
		if !matchAny(im, etag, false) {
			return http.StatusPreconditionFailed
		}
	} else if t, ok := singleDate(h, "If-Unmodified-Since"); ok && lm.After(t) {
		// Step 2: If-Unmodified-Since only without If-Match (§13.1.4).
		return http.StatusPreconditionFailed
	}
	// Step 3: If-None-Match, weak comparison (§13.1.2); it overrides
	// If-Modified-Since, which is then ignored (§13.1.3).
	if inm := h.Values("If-None-Match"); len(inm) > 0 {
		if matchAny(inm, etag, true) {
			return http.StatusNotModified
		}
		return 0
	}
	// Step 4: If-Modified-Since.
	if t, ok := singleDate(h, "If-Modified-Since"); ok && !lm.After(t) {
		return http.StatusNotModified
	}
	return 0
}

// singleDate parses a date field with exactly one valid HTTP-date; anything
// else is ignored, as §13.1.3 and §13.1.4 require.
func singleDate(h http.Header, key string) (time.Time, bool) {
	v := h[textproto.CanonicalMIMEHeaderKey(key)]
	if len(v) != 1 {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v[0])
	return t, err == nil
}

// ifRange reports whether the If-Range condition holds (§13.1.5): an entity
// tag must match strongly; a date must equal Last-Modified exactly and
// Last-Modified must be strong, at least a second older than now (§8.8.2.2).
func ifRange(v, etag string, modTime, now time.Time) bool {
	if v == "" {
		return true
	}
	if v[0] == '"' || len(v) > 2 && v[:2] == "W/" {
		tag, rest, ok := scanETag(v)
		return ok && rest == "" && tag == etag
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return false
	}
	lm := modTime.Truncate(time.Second)
	return t.Equal(lm) && now.Sub(modTime) >= time.Second
}

// matchAny reports whether a list of entity tags (or "*") in the field lines
// matches etag, with weak comparison if weak is set. A malformed list
// matches nothing from its first error on.
func matchAny(lines []string, etag string, weak bool) bool {
	for _, s := range lines {
		for {
			s = trimOWS(s)
			for s != "" && s[0] == ',' {
				s = trimOWS(s[1:])
			}
			if s == "" {
				break
			}
			if s[0] == '*' {
				if trimOWS(s[1:]) == "" {
					return true // a current representation exists
				}
				return false
			}
			tag, rest, ok := scanETag(s)
			if !ok {
				break
			}
			if tag == etag || weak && len(tag) > 2 && tag[:2] == "W/" && tag[2:] == etag {
				return true
			}
			s = rest
		}
	}
	return false
}

// scanETag reads one entity-tag (§8.8.3) from the start of s and returns it
// with the rest of s.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if len(s) >= 2 && s[:2] == "W/" {
		start = 2
	}
	if len(s) <= start || s[start] != '"' {
		return "", "", false
	}
	for i := start + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80: // etagc
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// trimOWS removes leading and trailing spaces and tabs.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
