package observe

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
)

// A recorder wraps a ResponseWriter to see the status and count the body
// bytes. It implements http.Flusher and Unwrap (so http.ResponseController
// reaches the engine's methods: deadlines, h3 and h2 WebSocket streams);
// a recorderH1 adds http.Hijacker and io.ReaderFrom (sendfile) when the
// ResponseWriter has them, as net/http's HTTP/1.x one does. Recorders are
// pooled: one is valid until the handler returns.
type recorder struct {
	w      http.ResponseWriter
	status int
	bytes  int64
}

type recorderH1 struct{ recorder }

var (
	recPool   = sync.Pool{New: func() any { return new(recorder) }}
	recH1Pool = sync.Pool{New: func() any { return new(recorderH1) }}
)

// h1Writer is what net/http's HTTP/1.x ResponseWriter has beyond the basics.
type h1Writer interface {
	http.Hijacker
	io.ReaderFrom
}

// newRecorder returns a pooled recorder for w and the ResponseWriter to
// hand the handler.
func newRecorder(w http.ResponseWriter) (*recorder, http.ResponseWriter) {
	if _, ok := w.(h1Writer); ok {
		r := recH1Pool.Get().(*recorderH1)
		r.w = w
		return &r.recorder, r
	}
	r := recPool.Get().(*recorder)
	r.w = w
	return r, r
}

// release returns r (given as the writer rw) to its pool.
func (r *recorder) release(rw http.ResponseWriter) {
	*r = recorder{}
	if h1, ok := rw.(*recorderH1); ok {
		recH1Pool.Put(h1)
		return
	}
	recPool.Put(r)
}

func (r *recorder) Header() http.Header { return r.w.Header() }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 || code == http.StatusSwitchingProtocols {
		r.status = code
	}
	r.w.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.w.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher; it does nothing if the ResponseWriter
// cannot flush.
func (r *recorder) Flush() { r.FlushError() }

// FlushError is Flush with its error, for http.ResponseController.
func (r *recorder) FlushError() error {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	switch f := r.w.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	return http.NewResponseController(r.w).Flush()
}

// Unwrap returns the ResponseWriter r wraps, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

// Hijack implements http.Hijacker.
func (r *recorderH1) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return r.w.(http.Hijacker).Hijack()
}

// ReadFrom implements io.ReaderFrom, so sendfile still happens.
func (r *recorderH1) ReadFrom(src io.Reader) (int64, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.w.(io.ReaderFrom).ReadFrom(src)
	r.bytes += n
	return n, err
}
