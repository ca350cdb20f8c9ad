package h1

import "net/http"

// guard answers what the framer found, for HTTP/1.x requests: 414 for a
// request-target over the limit (net/http hands over those that fit its
// header limit), 400 for Transfer-Encoding in HTTP/1.0, and for
// Content-Length with Transfer-Encoding, the handler's response followed by
// a close. "Connection: close" in the response makes net/http close.
func (c *Config) guard(next http.Handler) http.Handler {
	if next == nil {
		next = http.DefaultServeMux // as http.Server does with a nil Handler
	}
	maxURI := c.maxURIBytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			next.ServeHTTP(w, r)
			return
		}
		if int64(len(r.RequestURI)) > maxURI {
			w.Header().Set("Connection", "close")
			http.Error(w, "URI Too Long", http.StatusRequestURITooLong)
			return
		}
		conn, _ := r.Context().Value(connKey{}).(*conn)
		if conn == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch conn.faultFor(conn.served.Load()) {
		case faultReject:
			w.Header().Set("Connection", "close")
			http.Error(w, "Transfer-Encoding in an HTTP/1.0 request", http.StatusBadRequest)
			return
		case faultClose:
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
