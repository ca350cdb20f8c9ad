package h1

import (
	"io"
	"net"
	"sync"
)

// Why batch: crypto/tls writes each record of at most 16 KiB with its own
// write system call, so a 10 MiB response over TLS costs 640 of them, and
// the peer is woken for each small TCP burst. A batchConn sits under the
// tls.Conn and, while a large write is being encrypted, gathers the records
// and writes up to batchMax bytes at a time: 16 times fewer system calls,
// and segments as large as the loopback or NIC allows. HTTP/2 connections
// get the same: h2's engine finds WriteBatched through tls.Conn.NetConn.

// batchMax is how many bytes of records a batchConn gathers before writing.
const batchMax = 256 << 10

// maxRecord is the largest TLS record payload (RFC 8446 §5.1); writes no
// larger are one record, which there is nothing to gather for.
const maxRecord = 16 << 10

// batchPool holds the buffers of writes in progress, with room for one more
// record (and its overhead) past batchMax.
var batchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, batchMax+maxRecord+256)
	return &b
}}

// A batchConn is the TCP connection under a tls.Conn. Outside writeBatched
// its writes go straight through; during it they gather in a pooled buffer.
type batchConn struct {
	net.Conn

	mu  sync.Mutex // guards below; tls.Conn may write from a Read (alerts, KeyUpdate)
	buf *[]byte    // non-nil while batching
	err error      // the first write error while batching
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return b.Conn.Write(p)
	}
	if b.err != nil {
		return 0, b.err
	}
	*b.buf = append(*b.buf, p...)
	if len(*b.buf) >= batchMax {
		b.flushLocked()
	}
	return len(p), nil
}

// flushLocked writes what was gathered. b.mu is held.
func (b *batchConn) flushLocked() {
	if len(*b.buf) > 0 && b.err == nil {
		_, b.err = b.Conn.Write(*b.buf)
	}
	*b.buf = (*b.buf)[:0]
}

// WriteBatched writes p to tc, the tls.Conn over b, gathering the records
// tc writes, and writes them before returning. If writing gathered records
// fails, the connection is broken: the error is returned with fewer bytes
// counted than len(p) (none, if tc saw no error itself). If tc.Write panics
// (a fault reading p from a file mapping that shrank) b is left as it was
// before, and the panic goes on.
func (b *batchConn) WriteBatched(tc io.Writer, p []byte) (n int, err error) {
	b.mu.Lock()
	b.buf, b.err = batchPool.Get().(*[]byte), nil
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.flushLocked()
		if err == nil && b.err != nil {
			n, err = 0, b.err
		}
		batchPool.Put(b.buf)
		b.buf, b.err = nil, nil
		b.mu.Unlock()
	}()
	return tc.Write(p)
}
