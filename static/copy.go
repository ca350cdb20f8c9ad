package static

import (
	"io"
	"net/http"
	"os"
	"sync"
)

// copyBufSize is the buffer used where sendfile is not possible (TLS,
// HTTP/2, HTTP/3): large writes mean few TLS records and few frames.
const copyBufSize = 256 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// sendRange writes n bytes of fd from off. Over cleartext HTTP/1.1 the
// ResponseWriter is an io.ReaderFrom and io.CopyN's *io.LimitedReader of an
// *os.File reaches sendfile; over HTTP/1.1 with TLS a range of 1 MiB or
// more is encrypted straight from a mapping of the file. If fewer than n
// bytes can be sent (the file shrank, a read failed, the client left) the
// response is aborted with http.ErrAbortHandler rather than left short of
// its Content-Length.
func sendRange(w http.ResponseWriter, r *http.Request, fd *os.File, off, n int64) {
	if off != 0 {
		if _, err := fd.Seek(off, io.SeekStart); err != nil {
			panic(http.ErrAbortHandler)
		}
	}
	var written int64
	if _, ok := w.(io.ReaderFrom); ok && r.TLS == nil {
		written, _ = io.CopyN(w, fd, n)
	} else if mapped, ok := sendMappedH1(w, r, fd, off, n); ok {
		written = mapped
	} else {
		written = copyBuffered(w, fd, n)
	}
	if written != n {
		panic(http.ErrAbortHandler)
	}
}

// sendMappedH1 sends large ranges over HTTP/1.x (TLS: cleartext has
// sendfile) from a mapping of the file; see sendMapped for why only there.
func sendMappedH1(w http.ResponseWriter, r *http.Request, fd *os.File, off, n int64) (int64, bool) {
	if r.ProtoMajor != 1 || n < mapMin {
		return 0, false
	}
	return sendMapped(w, fd, off, n)
}

// copyBuffered copies n bytes from src to w through a pooled buffer and
// returns how many were written.
func copyBuffered(w io.Writer, src io.Reader, n int64) int64 {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var written int64
	for written < n {
		chunk := buf[:min(int64(len(buf)), n-written)]
		nr, rerr := io.ReadFull(src, chunk)
		if nr > 0 {
			nw, werr := w.Write(chunk[:nr])
			written += int64(nw)
			if werr != nil {
				return written
			}
		}
		if rerr != nil {
			return written
		}
	}
	return written
}
