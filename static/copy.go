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
	_, rf := w.(io.ReaderFrom)
	sendfile := rf && r.TLS == nil
	var written int64
	mapped := false
	if !sendfile && r.ProtoMajor == 1 && n >= mapMin { // see sendMapped for why h1 only
		written, mapped = sendMapped(w, fd, off, n)
	}
	if !mapped {
		if off != 0 {
			if _, err := fd.Seek(off, io.SeekStart); err != nil {
				panic(http.ErrAbortHandler)
			}
		}
		if sendfile {
			written, _ = io.CopyN(w, fd, n)
		} else {
			written = copyBuffered(w, fd, n)
		}
	}
	if written != n {
		panic(http.ErrAbortHandler)
	}
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
