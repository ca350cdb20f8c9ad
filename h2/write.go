package h2

import (
	"io"
	"runtime"
	"sync"
	"time"
)

// Write queue: frames are encoded into c.out, a buffer of outBufSize that
// the writer swaps with the one it has just written, so a busy connection
// holds two and an idle one none (both go back to outPool). DATA and
// response HEADERS wait for room; other frames may grow c.out, and the
// reader stops reading (and so answering PINGs and SETTINGS) above
// outHardLimit.
const (
	outBufSize   = 64 << 10
	outHardLimit = 1 << 20
)

var outPool = sync.Pool{New: func() any { return new([outBufSize]byte) }}

// getOutBuf returns an empty pooled write buffer.
func getOutBuf() []byte { return outPool.Get().(*[outBufSize]byte)[:0] }

// putOutBuf returns b to the pool if it came from it (it was not grown).
func putOutBuf(b []byte) {
	if cap(b) == outBufSize {
		outPool.Put((*[outBufSize]byte)(b[:outBufSize]))
	}
}

// writeState is the write side of a conn: the queue of encoded frames
// and the HPACK encoder of response header blocks.
type writeState struct {
	writerDone chan struct{} // closed when writeLoop returns
	batcher    batcher       // nc's TCP connection, if it can gather TLS records
	wcond      sync.Cond     // writeLoop waits for out
	scond      sync.Cond     // senders wait for out space and windows
	sWaiters   int           // goroutines waiting on scond
	out        []byte        // encoded frames not yet handed to the writer
	enc        *hpackEncoder
	hdrBuf     []byte // the header block being encoded
}

// signalLocked wakes the writer after frames were appended to out.
func (c *conn) signalLocked() { c.wcond.Signal() }

// waitSendLocked waits on scond for out space or window changes.
func (c *conn) waitSendLocked() {
	c.sWaiters++
	c.scond.Wait()
	c.sWaiters--
}

// A batcher is the TCP connection under a TLS connection that can gather
// the records of one write into few system calls, as package h1's listener
// provides: crypto/tls makes one per 16 KiB record.
type batcher interface {
	WriteBatched(tc io.Writer, p []byte) (int, error)
}

// maxRecord is the largest TLS record payload: writes no larger are one
// record, with nothing to gather.
const maxRecord = 16 << 10

// write writes p to the connection, its TLS records gathered when more
// than one.
func (c *conn) write(p []byte) (int, error) {
	if c.batcher != nil && len(p) > maxRecord {
		return c.batcher.WriteBatched(c.nc, p)
	}
	return c.nc.Write(p)
}

// writeLoop hands out to the connection in batches: whatever accumulated
// while the previous write was in progress goes in the next one.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	var buf []byte
	stall := c.cfg.stallTimeout()
	var deadlineSet time.Time
	for {
		c.mu.Lock()
		for len(c.out) == 0 && !c.closing {
			// Idle: keep no buffers.
			putOutBuf(buf)
			putOutBuf(c.out)
			buf, c.out = nil, nil
			c.wcond.Wait()
		}
		if len(c.out) == 0 {
			c.mu.Unlock()
			// Half-close so the client reads everything, GOAWAY included;
			// serveConn drains its remaining input for lingerTime.
			closeWrite(c.nc)
			c.nc.SetReadDeadline(time.Now().Add(lingerTime))
			return
		}
		if len(c.out) < outBufSize/4 && c.running > 1 && !c.closing {
			// Other handlers are about to queue frames: let them, and
			// write all in one go.
			c.mu.Unlock()
			runtime.Gosched()
			c.mu.Lock()
		}
		if buf == nil {
			buf = getOutBuf()
		}
		buf, c.out = c.out, buf[:0]
		if c.sWaiters > 0 {
			c.scond.Broadcast()
		}
		c.mu.Unlock()
		if stall > 0 {
			if now := time.Now(); now.Sub(deadlineSet) > stall/8 {
				c.nc.SetWriteDeadline(now.Add(stall))
				deadlineSet = now
			}
		}
		if c.trace != nil {
			c.trace.written(buf)
		}
		if _, err := c.write(buf); err != nil {
			c.mu.Lock()
			c.failLocked(err)
			c.out = nil
			c.mu.Unlock()
			c.nc.Close()
			return
		}
		if cap(buf) != outBufSize { // grown, or small control frames
			buf = nil
		}
	}
}

// roomLocked makes c.out a pooled buffer and waits until it has n bytes
// free, or is empty, for a frame of st. It reports why st or the
// connection failed meanwhile.
func (c *conn) roomLocked(st *stream, n int) error {
	for {
		if st.err != nil {
			return st.err
		}
		if c.dead != nil {
			return errConnClosed
		}
		if cap(c.out) < outBufSize {
			c.out = append(getOutBuf(), c.out...)
		}
		if len(c.out) == 0 || cap(c.out)-len(c.out) >= n {
			return nil
		}
		c.waitSendLocked()
	}
}
