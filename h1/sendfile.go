package h1

import (
	"io"
	"net/http"
	"sync"
)

// copyPool holds the buffers of ReadFrom where sendfile cannot be used.
var copyPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writerOnly hides ReadFrom from io.CopyBuffer.
type writerOnly struct{ io.Writer }

// ReadFrom copies src into the body. On a cleartext connection, with the
// length declared by the handler (as static does) or the body delimited by
// the close, the bytes go from src to the socket by sendfile(2) when src
// is a file (net.TCPConn.ReadFrom); otherwise they are copied.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	w.mu.Lock()
	if !w.wroteHeader && !w.hijacked && !w.finished {
		w.writeHeaderLocked(http.StatusOK)
	}
	rf, direct := w.c.out.(io.ReaderFrom)
	_, typed := w.header["Content-Type"]
	direct = direct && !w.hijacked && !w.finished && w.err == nil && bodyAllowed(w.status) &&
		w.req.Method != http.MethodHead && (typed || w.committed) && w.length >= 0
	if !direct {
		w.mu.Unlock()
		bp := copyPool.Get().(*[]byte)
		defer copyPool.Put(bp)
		return io.CopyBuffer(writerOnly{w}, src, *bp)
	}
	defer w.mu.Unlock()
	if !w.committed {
		w.commit(false, nil)
		w.writeBody(w.pend)
		w.pend = w.pend[:0]
	}
	if err := w.c.writer().Flush(); err != nil {
		w.fail(err)
		return 0, err
	}
	left := w.length - w.written
	switch r := src.(type) {
	case *io.LimitedReader: // io.CopyN's, as static uses: sendfile sees through one
		r.N = min(r.N, left)
	default:
		src = &io.LimitedReader{R: src, N: left}
	}
	n, err := rf.ReadFrom(src)
	w.written += n
	w.fail(err)
	return n, err
}
