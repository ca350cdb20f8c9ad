package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Connection states, for Shutdown: it closes new and idle connections.
const (
	stateNew    int32 = iota // accepted, no request yet
	stateActive              // a request is being read or answered
	stateIdle                // waiting for the next request
	stateClosed              // closed, or taken by Shutdown
)

// readerSize is the size of the connections' read buffers.
const readerSize = 4096

// readerPool and writerPool hold the buffers of active connections; an
// idle one holds neither.
var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

// A srvConn is one connection served by the trio engine. Its goroutine
// (serve) reads requests; handlers run on worker goroutines, one request
// at a time, while the connection's goroutine watches for the client
// going away.
type srvConn struct {
	srv      *Server
	raw      net.Conn  // the accepted connection
	nc       net.Conn  // what HTTP runs on: raw, or a *tls.Conn over it
	out      io.Writer // where responses go: nc, with TLS records batched
	tlsState *tls.ConnectionState
	overTLS  bool // the handshake was done: nc is a *tls.Conn
	remote   string
	ctx      context.Context // with the server and local address
	state    atomic.Int32
	readDL   atomic.Int64 // the request's read deadline in Unix ns (ReadTimeout, the handler's); 0 for none
	ownDL    atomic.Bool  // the handler set a read deadline: BodyTimeout no longer applies

	br     *bufio.Reader // nil while idle
	bw     *bufio.Writer // nil while idle
	src    connReader    // what br reads: one, then nc
	one    [1]byte       // the first byte of a request, read while idle
	hasOne bool

	head []byte   // scratch for request heads
	hbuf []byte   // scratch for response heads
	keys []string // scratch for sorting field names
	pend []byte   // a response body before its head is written
	hdr  http.Header

	cur  *response     // the request a handler serves
	done chan struct{} // the handler returned
	eof  chan struct{} // the request body was read to its end

	mu        sync.Mutex // guards below: Hijack against the background read
	armed     int64      // the read deadline nc has, Unix ns; 0 for none
	want      int64      // the one the background read should have (see armLazily)
	reading   bool       // the background read runs
	aborting  bool       // Hijack stopped it
	hijacked  bool
	abortDone chan struct{}
}

func newSrvConn(s *Server, nc net.Conn) *srvConn {
	c := &srvConn{srv: s, raw: nc, nc: nc, out: nc,
		done: make(chan struct{}, 1), eof: make(chan struct{}, 1), abortDone: make(chan struct{}, 1)}
	c.src.c = c
	return c
}

// A connReader is what a connection's bufio.Reader reads: the byte read
// while idle, then the connection.
type connReader struct{ c *srvConn }

func (r *connReader) Read(p []byte) (int, error) {
	if r.c.hasOne && len(p) > 0 {
		r.c.hasOne = false
		p[0] = r.c.one[0]
		return 1, nil
	}
	return r.c.nc.Read(p)
}

// reader returns the connection's reader, taking one from the pool.
func (c *srvConn) reader() *bufio.Reader {
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(&c.src)
	}
	return c.br
}

// releaseReader gives an empty reader back to the pool.
func (c *srvConn) releaseReader() {
	if c.br != nil && c.br.Buffered() == 0 {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
}

// writer returns the connection's writer, taking one from the pool.
func (c *srvConn) writer() *bufio.Writer {
	if c.bw == nil {
		c.bw = writerPool.Get().(*bufio.Writer)
		c.bw.Reset(c.out)
	}
	return c.bw
}

func (c *srvConn) releaseWriter() {
	if c.bw != nil {
		c.bw.Reset(nil)
		writerPool.Put(c.bw)
		c.bw = nil
	}
}

// A tlsWriter writes to a TLS connection, the records of large writes
// gathered (see batchConn).
type tlsWriter struct {
	tc *tls.Conn
	bc *batchConn
}

func (w tlsWriter) Write(p []byte) (int, error) {
	if len(p) <= maxRecord {
		return w.tc.Write(p)
	}
	return w.bc.WriteBatched(w.tc, p)
}

// setState moves the connection to st unless Shutdown closed it, and
// reports whether it did.
func (c *srvConn) setState(st int32) bool {
	for {
		old := c.state.Load()
		if old == stateClosed {
			return false
		}
		if c.state.CompareAndSwap(old, st) {
			return true
		}
	}
}

// readDeadline is the read deadline of the request being served, apart
// from BodyTimeout: ReadTimeout's, or what the handler set.
func (c *srvConn) readDeadline() time.Time {
	if ns := c.readDL.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// setReadDL sets nc's read deadline.
func (c *srvConn) setReadDL(t time.Time) error {
	ns := unixNano(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed, c.want = ns, ns
	return c.nc.SetReadDeadline(t)
}

// armLazily gives the background read the deadline t. If the deadline
// nc has comes first, it is left to expire: await then arms t (rearm).
// Most requests are answered and the next one read before it does, so
// the two deadline changes of a request (none while its handler runs,
// the idle timeout after) cost no system call.
func (c *srvConn) armLazily(t time.Time) {
	ns := unixNano(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.want = ns
	if c.armed != 0 && (ns == 0 || c.armed <= ns) {
		return
	}
	c.armed = ns
	c.nc.SetReadDeadline(t)
}

// rearm arms the deadline the background read should have, if the one
// that expired was armLazily's earlier one, and reports whether it did.
// c.mu is held.
func (c *srvConn) rearm() bool {
	if c.want == c.armed || c.want != 0 && time.Now().UnixNano() >= c.want {
		return false
	}
	c.armed = c.want
	c.nc.SetReadDeadline(fromUnixNano(c.want))
	return true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func (c *srvConn) setReadDeadline(t time.Time) {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.readDL.Store(ns)
}
