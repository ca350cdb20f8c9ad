package config

import (
	"net/netip"
	"strings"
)

// normalizeHost lowercases a host, drops a trailing dot, and strips a
// port and IPv6 brackets: "A.Example.com.:8443" -> "a.example.com",
// "[::1]:443" -> "::1". It allocates only to lowercase.
func normalizeHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") &&
		(strings.HasPrefix(h, "[") || strings.IndexByte(h, ':') == i) {
		h = h[:i] // a port: after "]", or after the only colon
	}
	if len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// validHost reports whether h is a plausible DNS name: labels of letters,
// digits, hyphens and underscores, each 1 to 63 bytes, 253 in all.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.ToLower(h), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// validSiteHost reports whether h (normalized) may be in a site's hosts:
// an IP address, a host name, or "*." and a host name.
func validSiteHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return validHost(strings.TrimPrefix(h, "*."))
}
