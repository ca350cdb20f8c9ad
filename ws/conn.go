package ws

import (
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gobwas/ws"
)

// A MessageType is the type of a data message: text or binary.
type MessageType int

// Message types, numbered as their opcodes (RFC 6455 section 5.6).
const (
	MessageText   MessageType = 1
	MessageBinary MessageType = 2
)

func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return "MessageType(" + string(rune('0'+int(t))) + ")"
}

// DefaultReadLimit is the largest message a Conn accepts when
// AcceptOptions.ReadLimit or DialOptions.ReadLimit is zero: 16 MiB. A
// larger message closes the connection with 1009 (see "Message size" in
// the package documentation).
const DefaultReadLimit = 16 << 20

// closeTimeout bounds Close: writing the close frame and waiting for the
// peer's together.
const closeTimeout = 5 * time.Second

// releaseTimeout bounds how long an abort waits for a write in progress to
// return once the transport was told to fail it.
const releaseTimeout = time.Second

// maxControl is the largest control frame payload (RFC 6455 section 5.5).
const maxControl = 125

// A transport carries frames: a hijacked TCP or TLS connection, an HTTP/2
// stream or an HTTP/3 stream. If it has a Flush method, frames are flushed
// one by one; SetReadDeadline and SetWriteDeadline are used if present.
type transport interface {
	io.Reader
	io.Writer
	io.Closer
}

type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// A Conn is a WebSocket connection over HTTP/1.1, HTTP/2 or HTTP/3.
//
// One goroutine may read (NextReader, ReadMessage) while others write:
// writes are serialized, and control frames (pongs, the close reply) are
// sent between the fragments of a message being written. Pings from the
// peer are answered, and Ping's pongs are seen, only while some goroutine
// reads.
//
// Over HTTP/2 a Conn from Accept is valid only until the handler returns:
// handlers keep serving it until it is closed, then return.
type Conn struct {
	t      transport
	extra  []io.Closer // closed after t: a client's HTTP/2 or HTTP/3 connection
	client bool
	proto  string
	subp   string
	reg    *Registry

	readLimit atomic.Int64

	// Reading; under rmu.
	rmu      sync.Mutex
	in       frameReader // reads t, holding a buffer only while frames arrive
	hdrBuf   [gws.MaxHeaderSize]byte
	frame    gws.Header // current data frame
	remain   int64      // its unread payload
	maskPos  int
	inMsg    bool // inside a data message (continuations expected)
	msgType  MessageType
	msgComp  bool  // the message is compressed
	msgRaw   int64 // payload bytes read from the wire
	msgSize  int64 // message bytes returned (after inflating)
	utf8     utf8Checker
	inflate  *inflater
	rerr     error
	msgReady bool // cur may be read
	cur      messageReader

	// Writing.
	msgMu     sync.Mutex // one data message at a time
	deflate   *deflater  // under msgMu
	threshold int
	wmu       sync.Mutex    // one frame at a time
	wbusy     chan struct{} // held while a frame is handed to the transport
	werr      error         // under wmu
	closeSent bool          // under wmu
	closeOut  atomic.Bool   // this side's close frame went out whole
	sent      atomic.Int64  // payload bytes of the frames written
	released  atomic.Bool   // the transport was told to fail (release)

	// Closing.
	closeRecv  chan struct{} // closed once reading has ended
	recvOnce   sync.Once
	closed     chan struct{} // closed once the transport is closed
	closeOnce  sync.Once
	closeErr   atomic.Pointer[CloseError]
	pingMu     sync.Mutex
	pings      map[[8]byte]chan struct{}
	timerMu    sync.Mutex
	rTimer     *time.Timer // deadlines of transports without their own
	wTimer     *time.Timer
	onShutdown func()   // removes the Conn from its registry
	observer   Observer // told when the Conn closes; nil for none
}

// newConn starts a Conn on t; pending are bytes read from t already, which
// the Conn reads first and keeps.
func newConn(t transport, pending []byte, client bool, proto string) *Conn {
	c := &Conn{
		t: t, client: client, proto: proto,
		wbusy:     make(chan struct{}, 1),
		closeRecv: make(chan struct{}),
		closed:    make(chan struct{}),
	}
	c.in.init(t, pending)
	c.readLimit.Store(DefaultReadLimit)
	c.cur.c = c
	return c
}

// Subprotocol is the subprotocol the handshake agreed on, or "".
func (c *Conn) Subprotocol() string { return c.subp }

// Proto is the HTTP version the connection runs over: "HTTP/1.1",
// "HTTP/2.0" or "HTTP/3.0".
func (c *Conn) Proto() string { return c.proto }

// BytesSent is how many payload bytes the frames this side wrote carried,
// control frames included; after compression if it was negotiated.
func (c *Conn) BytesSent() int64 { return c.sent.Load() }

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool { return c.inflate != nil }

// SetReadLimit sets the largest message, in bytes after decompression,
// that the peer may send; a larger one fails the connection with 1009.
// n <= 0 means no limit.
func (c *Conn) SetReadLimit(n int64) {
	if n <= 0 {
		n = 1<<63 - 1
	}
	c.readLimit.Store(n)
}

// Done is closed when the connection is closed, whoever closed it.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// Err is why the connection closed, once Done is closed.
func (c *Conn) Err() error {
	if e := c.closeErr.Load(); e != nil {
		return e
	}
	return nil
}

// SetReadDeadline sets when a blocked read fails; the zero time clears it.
// A read past its deadline fails the connection, as it leaves a frame half
// read. Transports without deadlines (the HTTP/2 client) are closed when it
// passes.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.setDeadline(t, false) }

// SetWriteDeadline sets when a blocked write fails; the zero time clears
// it. A write past its deadline, such as one to a peer that stopped
// reading, fails the connection. The deadline covers every later frame,
// also those the Conn writes itself (Ping's ping, pongs, close frames),
// until it is moved: once it has passed the next write fails at once, and
// over HTTP/2 the stream is reset even if nothing is being written. To
// bound one write, set it before and clear it after.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(t, true) }

func (c *Conn) setDeadline(t time.Time, write bool) error {
	if d, ok := c.t.(deadliner); ok {
		if write {
			return d.SetWriteDeadline(t)
		}
		return d.SetReadDeadline(t)
	}
	c.timerMu.Lock()
	defer c.timerMu.Unlock()
	tm := &c.rTimer
	if write {
		tm = &c.wTimer
	}
	if *tm != nil {
		(*tm).Stop()
		*tm = nil
	}
	if !t.IsZero() {
		*tm = time.AfterFunc(time.Until(t), func() {
			c.abort(&CloseError{Code: StatusAbnormalClosure, Err: os.ErrDeadlineExceeded})
		})
	}
	return nil
}

// Ping sends a ping and waits for its pong, for ctx or for the connection
// to close. Another goroutine must be reading to see the pong.
func (c *Conn) Ping(ctx context.Context) error {
	var key [8]byte
	putRandom(key[:])
	ch := make(chan struct{})
	c.pingMu.Lock()
	if c.pings == nil {
		c.pings = make(map[[8]byte]chan struct{})
	}
	c.pings[key] = ch
	c.pingMu.Unlock()
	defer func() {
		c.pingMu.Lock()
		delete(c.pings, key)
		c.pingMu.Unlock()
	}()
	if err := c.writeFrame(true, gws.OpPing, false, key[:]); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-c.closed:
		return c.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gotPong wakes the Ping waiting for payload p, if any.
func (c *Conn) gotPong(p []byte) {
	if len(p) != 8 {
		return
	}
	c.pingMu.Lock()
	defer c.pingMu.Unlock()
	if ch, ok := c.pings[[8]byte(p)]; ok {
		close(ch)
		delete(c.pings, [8]byte(p))
	}
}
