package h2

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/triohttp/trio/internal/workers"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Receive-window sizes: what the server starts announcing and how far
// autotuning may grow them.
const (
	initialStreamWindow = 256 << 10
	initialConnWindow   = 1 << 20
	maxStreamWindow     = 8 << 20
	maxConnWindow       = 32 << 20
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

// lingerTime is how long a closing connection keeps reading (and
// discarding) so that closing it does not reset what it sent last.
const lingerTime = time.Second

// closeWrite shuts down the write side of nc, TLS first.
func closeWrite(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok {
		tc.CloseWrite()
		nc = tc.NetConn()
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// gracefulPing is the PING payload that separates the two GOAWAYs of a
// graceful shutdown.
var gracefulPing = [8]byte{'t', 'r', 'i', 'o', 'b', 'y', 'e', 0}

// conn is one HTTP/2 connection. The goroutine calling serve reads and
// processes frames; writeLoop writes; each stream runs its handler in its
// own goroutine. Everything below mu is guarded by it.
type conn struct {
	srv        *Server // nil when not tracked
	cfg        *Config
	nc         net.Conn
	batcher    batcher // nc's TCP connection, if it can gather TLS records
	h          http.Handler
	hs         *http.Server
	tlsState   *tls.ConnectionState
	remoteAddr string
	ctx        context.Context // cancelled when the connection ends
	cancel     context.CancelFunc
	maxStreams uint32
	writerDone chan struct{}
	trace      *tracer            // nil unless Config.Trace is set
	handlers   sync.WaitGroup     // handlers running
	workers    *workers.Pool[job] // goroutines that run handlers, kept for the next stream

	// Reader-only state.
	br          *bufio.Reader
	fr          *http2.Framer
	dec         *hpack.Decoder
	hb          headerBlock
	sawSettings bool
	floods      budget
	resets      budget
	resetsFull  float64 // resets' burst for a client in good standing

	mu         sync.Mutex
	wcond      sync.Cond // writeLoop waits for out
	scond      sync.Cond // senders wait for out space and windows
	sWaiters   int       // goroutines waiting on scond
	out        []byte    // encoded frames not yet handed to the writer
	enc        *hpack.Encoder
	encBuf     bytes.Buffer
	streams    map[uint32]*stream
	maxID      uint32 // highest client stream ID seen
	reset      [32]uint32
	resetN     int // next slot in reset
	sendWin    int64
	sentCredit int64 // DATA bytes sent that closed streams' WINDOW_UPDATEs may return
	peerWin    int64 // peer's SETTINGS_INITIAL_WINDOW_SIZE
	peerFrame  int   // peer's SETTINGS_MAX_FRAME_SIZE
	recvWin    int64 // what the client may still send on the connection
	recvAcked  int64 // consumed bytes not yet returned by WINDOW_UPDATE
	recvSize   int64 // autotuned connection window
	running    int   // handlers running
	queue      []*stream
	goAway     int    // 0 none, 1 first GOAWAY sent, 2 final GOAWAY sent
	goAwayID   uint32 // last stream ID in the final GOAWAY
	peerGone   bool   // client sent GOAWAY
	closing    bool   // writeLoop exits once out is empty
	dead       error  // set once the connection is unusable
	idle       *time.Timer
	gaTimer    *time.Timer
}

func newConn(ctx context.Context, cfg *Config, nc net.Conn, h http.Handler, opts *ServeConnOpts) *conn {
	c := &conn{
		cfg:        cfg,
		nc:         nc,
		h:          h,
		remoteAddr: nc.RemoteAddr().String(),
		maxStreams: cfg.maxConcurrentStreams(),
		writerDone: make(chan struct{}),
		streams:    make(map[uint32]*stream),
		sendWin:    defaultWindow,
		peerWin:    defaultWindow,
		peerFrame:  minMaxFrameSize,
		recvWin:    initialConnWindow,
		recvSize:   initialConnWindow,
	}
	if opts != nil {
		c.hs = opts.BaseConfig
	}
	c.trace = newTracer(cfg.get().Trace, c.remoteAddr)
	if c.h == nil {
		c.h = http.NotFoundHandler()
	}
	if tc, ok := nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		c.tlsState = &cs
		c.batcher, _ = tc.NetConn().(batcher)
	}
	c.ctx, c.cancel = context.WithCancel(baseContext(ctx, c.hs, nc, h))
	c.workers = workers.New(func(j job) { c.runHandler(j.st, j.h) }, workers.Keep, c.ctx.Done())
	c.wcond.L = &c.mu
	c.scond.L = &c.mu
	c.br = bufio.NewReaderSize(nc, 16<<10)
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.SetMaxReadFrameSize(cfg.trioMaxReadFrameSize())
	c.fr.SetReuseFrames()
	c.hb.maxList = cfg.maxHeaderBytes()
	c.hb.maxFields = cfg.maxHeaderFields()
	c.dec = hpack.NewDecoder(4096, c.hb.emit)
	// Strings are bounded by the header block budget (readHeaderBlock);
	// over-long lists end in 431, not in a decoding error.
	c.dec.SetMaxStringLength(4*c.hb.maxList + 128<<10)
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.resetsFull = float64(max(200, 2*c.maxStreams))
	c.resets = newBudget(c.resetsFull, c.resetsFull/2) // see serveConn
	c.floods = newBudget(1000, 500)
	return c
}

// baseContext is the parent of request contexts: the values of the
// connection context net/http hands over in TLSNextProto (ConnContext
// applied), or of ctx; never ctx's cancellation, which asks for a graceful
// shutdown instead.
func baseContext(ctx context.Context, hs *http.Server, nc net.Conn, h http.Handler) context.Context {
	if bc, ok := h.(interface{ BaseContext() context.Context }); ok {
		if b := bc.BaseContext(); b != nil {
			return b
		}
	}
	ctx = context.WithoutCancel(ctx)
	if hs != nil {
		ctx = context.WithValue(ctx, http.ServerContextKey, hs)
	}
	return context.WithValue(ctx, http.LocalAddrContextKey, nc.LocalAddr())
}

func (c *conn) logf(format string, args ...any) {
	if c.hs != nil && c.hs.ErrorLog != nil {
		c.hs.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
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

// failLocked marks the connection dead: every stream fails, the writer
// flushes what is queued and closes the connection.
func (c *conn) failLocked(err error) {
	if c.dead != nil {
		return
	}
	c.dead = err
	c.closing = true
	for _, st := range c.streams {
		st.failLocked(errConnClosed)
	}
	c.queue = nil
	c.stopTimersLocked()
	c.wcond.Signal()
	c.scond.Broadcast()
	c.cancel()
}

func (c *conn) stopTimersLocked() {
	if c.idle != nil {
		c.idle.Stop()
	}
	if c.gaTimer != nil {
		c.gaTimer.Stop()
	}
}

// goAwayLocked queues a GOAWAY for a connection error and fails the
// connection.
func (c *conn) connErrorLocked(ce *ConnError) {
	if c.dead == nil && ce.Code == http2.ErrCodeEnhanceYourCalm {
		c.cfg.limitHit(LimitEnhanceYourCalm)
	}
	if c.dead == nil {
		c.out = appendGoAway(c.out, c.maxID, ce.Code, ce.Reason)
	}
	c.failLocked(ce)
}

// markResetLocked remembers that the server reset stream id, so frames the
// client sent before seeing the RST_STREAM are ignored (RFC 9113 5.4.2).
func (c *conn) markResetLocked(id uint32) {
	c.reset[c.resetN%len(c.reset)] = id
	c.resetN++
}

func (c *conn) wasResetLocked(id uint32) bool {
	for _, r := range c.reset {
		if r == id {
			return true
		}
	}
	return false
}

// updateIdleLocked arms the idle timer when no stream is open and stops
// it otherwise.
func (c *conn) updateIdleLocked() {
	if c.dead != nil {
		return
	}
	if len(c.streams) > 0 || c.running > 0 {
		if c.idle != nil {
			c.idle.Stop()
		}
		return
	}
	if c.goAway == 2 || c.peerGone {
		c.closing = true
		c.wcond.Signal()
		return
	}
	d := c.cfg.idleTimeout()
	if d == 0 {
		return
	}
	if c.idle == nil {
		c.idle = time.AfterFunc(d, c.onIdle)
	} else {
		c.idle.Reset(d)
	}
}

func (c *conn) onIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.streams) > 0 || c.running > 0 || c.dead != nil {
		return
	}
	c.out = appendGoAway(c.out, c.maxID, http2.ErrCodeNo, "idle")
	c.goAway, c.goAwayID = 2, c.maxID
	c.closing = true
	c.wcond.Signal()
}
