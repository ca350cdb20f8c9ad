package h1

import (
	"errors"
	"io"
	"net/http"
)

// guard answers what the framer found, for HTTP/1.x requests: 414 for a
// request-target over the limit (net/http hands over those that fit its
// header limit), 431 for more field lines than MaxHeaderFields, 413 for a
// Content-Length over MaxBodyBytes (and a body bounded by it), 400 for
// Transfer-Encoding in HTTP/1.0, and for Content-Length with
// Transfer-Encoding, the handler's response followed by a close.
// "Connection: close" in the response makes net/http close.
func (c *Config) guard(next http.Handler) http.Handler {
	if next == nil {
		next = http.DefaultServeMux // as http.Server does with a nil Handler
	}
	maxURI := c.maxURIBytes()
	maxFields, maxBody := c.maxHeaderFields(), c.maxBodyBytes()
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
		if fieldCount(r.Header) >= maxFields { // Host is not in r.Header
			c.limitHit(LimitHeaderFields)
			w.Header().Set("Connection", "close")
			http.Error(w, "Request Header Fields Too Large: too many header fields", http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		if maxBody > 0 {
			if r.ContentLength > maxBody {
				c.limitHit(LimitBodyBytes)
				w.Header().Set("Connection", "close")
				http.Error(w, "Content Too Large", http.StatusRequestEntityTooLarge)
				return
			}
			r.Body = &countedBody{ReadCloser: http.MaxBytesReader(w, r.Body, maxBody), hit: c.limitHit}
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

// fieldCount counts the field lines net/http parsed into h.
func fieldCount(h http.Header) int {
	n := 0
	for _, vv := range h {
		n += len(vv)
	}
	return n
}

// countedBody reports a body that grew past MaxBodyBytes, once.
type countedBody struct {
	io.ReadCloser
	hit      func(limit string)
	reported bool
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && !b.reported && errors.As(err, &mbe) {
		b.reported = true
		b.hit(LimitBodyBytes)
	}
	return n, err
}
