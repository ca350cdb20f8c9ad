package h1

import "net/http"

// commonKeys maps the lower-case form of common field names to their
// canonical form, so that a client sending lower-case names (curl, most
// load tools) costs no allocation per field.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Authorization", "Cache-Control", "Connection", "Content-Encoding", "Content-Language",
		"Content-Length", "Content-Type", "Cookie", "Date", "Dnt", "Expect", "Forwarded",
		"From", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Keep-Alive", "Origin", "Pragma", "Priority", "Range", "Referer",
		"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
		"Sec-Fetch-Site", "Sec-Fetch-User", "Sec-Websocket-Extensions", "Sec-Websocket-Key",
		"Sec-Websocket-Protocol", "Sec-Websocket-Version", "Te", "Trailer", "Transfer-Encoding",
		"Upgrade", "Upgrade-Insecure-Requests", "User-Agent", "Via", "X-Forwarded-For",
		"X-Forwarded-Host", "X-Forwarded-Proto", "X-Requested-With", "Http2-Settings",
	} {
		m[lowerASCII(k)] = k
	}
	return m
}()

func lowerASCII(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lower(b[i])
	}
	return string(b)
}

// canonicalKey returns name in canonical form (http.CanonicalHeaderKey),
// without allocating when name is canonical already or common.
func canonicalKey(name string) string {
	if isCanonical(name) {
		return name
	}
	if len(name) <= 32 {
		var buf [32]byte
		b := buf[:len(name)]
		for i := 0; i < len(name); i++ {
			b[i] = lower(name[i])
		}
		if k, ok := commonKeys[string(b)]; ok {
			return k
		}
	}
	return http.CanonicalHeaderKey(name)
}

// isCanonical reports whether name is a token in canonical form: upper
// case at the start and after each hyphen, lower case elsewhere.
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
