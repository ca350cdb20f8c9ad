package ws

import (
	"io"
	"sync"
)

// readBufSize is the size of the read buffer a Conn holds while frames
// arrive; reads at least this large bypass it.
const readBufSize = 4096

// readBufs holds the read buffers of Conns that are receiving.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// A frameReader reads a transport through a buffer that it holds only
// while frames arrive. Between messages, once everything read was used,
// idle gives the buffer back to the pool, and the read that waits for the
// next frame goes into a small array instead: an idle WebSocket holds no
// read buffer. The next frame's header fits in that array; its payload is
// read through a pooled buffer again (or straight into the caller's, if
// that is as large). TLS connections and HTTP/2 and HTTP/3 streams buffer
// what arrived themselves, so the extra read is a copy, not a system call.
//
// It is not safe for concurrent use: a Conn reads under rmu.
type frameReader struct {
	src    io.Reader
	buf    []byte // buf[r:w] is unread: a pooled buffer, small, or bytes handed over
	r, w   int
	pooled *[]byte // from readBufs; nil while idle
	idling bool    // the next fill reads into small
	err    error   // from src, returned once buf is used up
	small  [16]byte
}

// init starts f on src with pending, bytes read from src before (an
// HTTP/1.1 handshake's reader may hold the first frames); f keeps pending.
func (f *frameReader) init(src io.Reader, pending []byte) {
	f.src = src
	f.buf, f.r, f.w = pending, 0, len(pending)
}

// Read reads from what is buffered, or else from the transport: straight
// into p if p is at least readBufSize bytes, else through the buffer.
func (f *frameReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.r == f.w {
		if f.err != nil {
			err := f.err
			f.err = nil
			return 0, err
		}
		if len(p) >= readBufSize {
			return f.src.Read(p)
		}
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.buf[f.r:f.w])
	f.r += n
	return n, nil
}

// fill reads at least a byte into the empty buffer, or returns an error.
func (f *frameReader) fill() error {
	if f.idling {
		f.idling = false
		f.buf = f.small[:]
	} else {
		if f.pooled == nil {
			f.pooled = readBufs.Get().(*[]byte)
		}
		f.buf = *f.pooled
	}
	f.r, f.w = 0, 0
	for range 100 { // as bufio: a transport that keeps returning nothing is broken
		n, err := f.src.Read(f.buf)
		if n < 0 || n > len(f.buf) {
			return io.ErrShortBuffer
		}
		f.w = n
		if n > 0 {
			f.err = err // returned once the bytes are used
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// idle gives the buffer back if everything in it was read, and makes the
// next read from the transport go into the small array.
func (f *frameReader) idle() {
	if f.r != f.w || f.err != nil {
		return
	}
	if f.pooled != nil {
		readBufs.Put(f.pooled)
		f.pooled = nil
	}
	f.buf, f.r, f.w = nil, 0, 0
	f.idling = true
}

// release gives the buffer back for good: the connection is done reading.
func (f *frameReader) release() {
	if f.pooled != nil {
		readBufs.Put(f.pooled)
		f.pooled = nil
	}
	f.buf, f.r, f.w = nil, 0, 0
}
