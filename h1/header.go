package h1

import (
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// appendFields appends the fields of h as field lines, sorted by name as
// net/http writes them, leaving out names that are not tokens, names
// skip reports true for, and trailers (http.TrailerPrefix). CR and LF in
// values become spaces. keys is scratch space, returned for reuse.
func appendFields(b []byte, h http.Header, keys []string, skip func(string) bool) ([]byte, []string) {
	keys = keys[:0]
	for k := range h {
		if skip != nil && skip(k) || strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	for _, k := range keys {
		b = appendField(b, k, h[k])
	}
	return b, keys
}

func appendField(b []byte, k string, vv []string) []byte {
	if !httpguts.ValidHeaderFieldName(k) {
		return b
	}
	for _, v := range vv {
		b = append(b, k...)
		b = append(b, ": "...)
		v = strings.Trim(v, " \t")
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == '\r' || c == '\n' {
				c = ' '
			}
			b = append(b, c)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// bodyAllowed reports whether a response with status code may carry a
// body (RFC 9110 §6.4.1).
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}
