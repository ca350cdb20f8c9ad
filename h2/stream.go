package h2

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/internal/workers"
)

// streamsState is a conn's streams and the handlers serving them.
type streamsState struct {
	maxStreams uint32 // SETTINGS_MAX_CONCURRENT_STREAMS announced; set by newConn
	streams    map[uint32]*stream
	maxID      uint32 // highest client stream ID seen
	reset      [32]uint32
	resetN     int // next slot in reset
	running    int // handlers running
	queue      []*stream
	handlers   sync.WaitGroup     // handlers running; not guarded by mu
	workers    *workers.Pool[job] // goroutines that run handlers, kept for the next stream; set by newConn
}

// stream is one request/response exchange. Fields are guarded by c.mu
// unless noted.
type stream struct {
	c      *conn
	id     uint32
	cond   sync.Cond // body readers wait here; L is &c.mu
	wcond  sync.Cond // writers wait here for stream window; L is &c.mu
	ctx    context.Context
	cancel context.CancelFunc
	req    *http.Request
	rw     responseWriter
	body   requestBody

	// Stream state (RFC 9113 section 5.1): a stream leaves c.streams
	// once both sides are closed.
	remoteClosed bool  // client sent END_STREAM, or the stream was reset
	localClosed  bool  // server sent END_STREAM, or the stream was reset
	err          error // why the stream was reset, or errConnClosed
	resetSent    bool
	handlerDone  bool
	started      bool // handler started (not queued)
	hdrSent      bool // final response HEADERS queued

	// Send side.
	sendWin    int64
	wDeadline  time.Time
	stallStart time.Time
	wTimer     *time.Timer
	wWake      time.Time // when wTimer fires; zero when it is not armed

	// Receive side.
	recvWin    int64 // what the client may still send
	recvAcked  int64 // consumed bytes not yet returned by WINDOW_UPDATE
	recvSize   int64 // autotuned stream window
	in         []byte
	inOff      int
	bodyClosed bool
	declLen    int64 // content-length, or -1
	bodyLen    int64
	rDeadline  time.Time
	rTimer     *time.Timer
	bodyTimer  *time.Timer // wakes a body Read at BodyTimeout (armBodyTimerLocked)
	trailer    http.Header // trailers received, merged into req.Trailer at EOF
	continueOK bool        // 100 Continue owed on first body read

	// A body that broke a limit (refuseLocked): its reads fail with
	// refuseErr; the response becomes refuseCode unless it had started.
	refused    atomic.Bool // refuseErr is set: read by the handler without c.mu
	refuseErr  error
	refuseCode int
	refuseDone bool // the refusal was answered (or the stream reset)
	ownReadDL  bool // the handler set a read deadline: BodyTimeout no longer applies
}

// failLocked ends the stream with err: readers and writers wake and fail,
// the request context is cancelled.
func (st *stream) failLocked(err error) {
	if st.err == nil {
		st.err = err
	}
	st.remoteClosed, st.localClosed = true, true
	st.cond.Broadcast()
	st.wcond.Broadcast()
	if st.cancel != nil {
		st.cancel()
	}
	if c := st.c; c.sWaiters > 0 {
		c.scond.Broadcast()
	}
	if st.wTimer != nil {
		st.wTimer.Stop()
	}
	if st.rTimer != nil {
		st.rTimer.Stop()
	}
}

// resetLocked resets the stream from the server side with code and
// removes it.
func (c *conn) resetLocked(st *stream, code ErrCode, err error) {
	if st.localClosed && st.remoteClosed {
		return
	}
	st.resetSent = true
	c.out = appendRSTStream(c.out, st.id, code)
	c.signalLocked()
	c.markResetLocked(st.id)
	st.failLocked(err)
	c.closeStreamLocked(st)
}

// closeStreamLocked removes st once both sides are closed.
func (c *conn) closeStreamLocked(st *stream) {
	if !st.localClosed || !st.remoteClosed {
		return
	}
	if st.wTimer != nil {
		st.wTimer.Stop()
	}
	if st.rTimer != nil {
		st.rTimer.Stop()
	}
	if c.streams[st.id] == st {
		delete(c.streams, st.id)
		if st.err == nil { // the response completed
			c.resets.grow(c.resetsFull)
		}
		if o := c.observer(); o != nil {
			o.StreamClosed()
		}
		if n := len(st.in) - st.inOff; n > 0 {
			c.consumedLocked(nil, int64(n))
		}
		st.in, st.inOff = nil, 0
		if c.sWaiters > 0 {
			c.scond.Broadcast()
		}
		c.updateIdleLocked()
	}
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
