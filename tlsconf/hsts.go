package tlsconf

import (
	"net/http"
	"strconv"
	"time"
)

// HSTS returns a handler that adds a Strict-Transport-Security header with
// maxAge (rounded down to seconds) to every response to a request that
// came over TLS (HTTP/1.1, HTTP/2 or HTTP/3), then calls next. Cleartext
// responses get no header: browsers ignore it there (RFC 6797 §8.1).
// Browsers remember it for maxAge: enable it only once HTTPS works for
// every name served.
func HSTS(next http.Handler, maxAge time.Duration) http.Handler {
	value := "max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", value)
		}
		next.ServeHTTP(w, r)
	})
}
