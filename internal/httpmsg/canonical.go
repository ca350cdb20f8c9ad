package httpmsg

import (
	"net/textproto"
	"strings"
)

// commonNames are the field names common in requests and responses: the
// union of the lists h1, h2 and h3 kept before they shared this one.
var commonNames = []string{
	"accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges",
	"access-control-allow-origin", "age", "alt-svc", "authorization", "cache-control",
	"connection", "content-disposition", "content-encoding", "content-language",
	"content-length", "content-location", "content-range", "content-security-policy",
	"content-type", "cookie", "date", "dnt", "etag", "expect", "expires", "forwarded", "from",
	"host", "http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range",
	"if-unmodified-since", "keep-alive", "last-modified", "link", "location", "max-forwards",
	"origin", "pragma", "priority", "proxy-authenticate", "proxy-authorization", "range",
	"referer", "referrer-policy", "refresh", "retry-after", "sec-ch-ua", "sec-ch-ua-mobile",
	"sec-ch-ua-platform", "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site",
	"sec-fetch-user", "sec-websocket-extensions", "sec-websocket-key",
	"sec-websocket-protocol", "sec-websocket-version", "server", "set-cookie",
	"strict-transport-security", "te", "trailer", "transfer-encoding", "upgrade",
	"upgrade-insecure-requests", "user-agent", "vary", "via", "www-authenticate",
	"x-content-type-options", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
	"x-frame-options", "x-requested-with",
}

// canonical maps the lowercase form of each common name to its key in
// http.Header; lower maps back.
var canonical, lower = func() (map[string]string, map[string]string) {
	canon, low := make(map[string]string, len(commonNames)), make(map[string]string, len(commonNames))
	for _, n := range commonNames {
		k := textproto.CanonicalMIMEHeaderKey(n)
		canon[n], low[k] = k, n
	}
	return canon, low
}()

// CanonicalKey returns the http.Header key of field name, in any case:
// [textproto.CanonicalMIMEHeaderKey], without allocating when name is
// common or canonical already.
func CanonicalKey(name string) string {
	if k, ok := canonical[name]; ok {
		return k
	}
	if isCanonical(name) {
		return name
	}
	if len(name) <= 32 {
		var buf [32]byte
		b := buf[:len(name)]
		for i := 0; i < len(name); i++ {
			c := name[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		if k, ok := canonical[string(b)]; ok {
			return k
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// isCanonical reports whether name is in canonical form: upper case at
// the start and after each hyphen, lower case elsewhere.
func isCanonical(name string) bool {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}

// LowerKey returns the lowercase wire form of http.Header key k, as
// HTTP/2 and HTTP/3 send it, without allocating for common keys.
func LowerKey(k string) string {
	if n, ok := lower[k]; ok {
		return n
	}
	return strings.ToLower(k)
}
