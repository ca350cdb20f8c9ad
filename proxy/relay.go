package proxy

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/ws"
)

// Bounds of a relay: a close handshake, once begun, and each write to a
// leg (a peer that stops reading is dropped then). WebSockets may stay
// quiet as long as their ends like, so there is no idle timeout; backends
// and browsers ping. Variables for tests.
var (
	relayCloseTimeout = 5 * time.Second
	relayWriteTimeout = 30 * time.Second
)

// relayBuf is the payload buffer of a frame being copied: a relay holds
// one per direction only while a frame passes, whatever its size.
var relayBuf = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// A relayStream is one leg's byte stream: a *ws.Stream.
type relayStream interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// A leg is one side of a relay: the client, or the backend.
type leg struct {
	s      relayStream
	masked bool          // frames the relay makes for it are masked: it is the backend
	lock   chan struct{} // held while a frame is written to it, whole
	watch  *time.Timer   // under lock: bounds a write

	closeSent bool        // under lock: a close frame went to it
	closeRecv atomic.Bool // it sent its close frame
	dead      atomic.Bool // it failed, or was closed
	code      ws.StatusCode
	reason    string // its close frame's, once closeRecv
}

func newLeg(s relayStream, masked bool) *leg {
	return &leg{s: s, masked: masked, lock: make(chan struct{}, 1)}
}

// write writes p, a frame or part of one, within relayWriteTimeout: a
// watchdog moves the write deadline to the past once the write has
// blocked that long, as setting one before the write is not enough on
// every engine (trio's HTTP/2 engine re-arms its wake-up for its stall
// timeout once a write blocks on flow control).
func (l *leg) write(p []byte) error {
	if l.watch == nil {
		l.watch = time.AfterFunc(relayWriteTimeout, func() { l.s.SetWriteDeadline(time.Unix(1, 0)) })
	} else {
		l.watch.Reset(relayWriteTimeout)
	}
	_, err := l.s.Write(p)
	if !l.watch.Stop() {
		l.s.SetWriteDeadline(time.Time{})
	}
	return err
}

// A relay carries a WebSocket's frames between the client's leg and the
// backend's, as they are: it reads each frame's header to know where
// frames end, and copies header and payload unchanged, masking,
// fragmentation and RSV bits included. Close frames pass through both
// ways. When a leg fails without a close frame, the other gets one: 1014
// (bad gateway) for the client when the backend failed, 1001 (going away)
// for the backend when the client did. Frames the relay makes itself go in
// between frames, never within one.
type relay struct {
	client, backend *leg

	closeReq chan closeRequest // from closeWith
	reqOnce  sync.Once
	failed   chan *leg // a leg a write to failed
	done     chan struct{}
}

type closeRequest struct {
	code   ws.StatusCode
	reason string
}

type pumpResult struct {
	src *leg
	err error // nil: src sent its close frame
}

func newRelay(client, backend relayStream) *relay {
	return &relay{
		client:   newLeg(client, false),
		backend:  newLeg(backend, true),
		closeReq: make(chan closeRequest, 1),
		failed:   make(chan *leg, 2),
		done:     make(chan struct{}),
	}
}

// closeWith ends both legs with a close handshake: the client's close
// frame carries code and reason, the backend's 1001. It does not wait:
// run returns once both legs answered, or within relayCloseTimeout.
func (r *relay) closeWith(code ws.StatusCode, reason string) {
	r.reqOnce.Do(func() { r.closeReq <- closeRequest{code, reason} })
}

// errBackendLost is run's error when the backend's leg failed without a
// close frame.
var errBackendLost = errors.New("proxy: websocket: backend connection lost")

// run relays until both legs are closed, and returns an error wrapping
// the backend's failure, if it failed, for the passive health check.
func (r *relay) run() error {
	defer close(r.done)
	results := make(chan pumpResult, 2)
	go r.pump(r.client, r.backend, results)
	go r.pump(r.backend, r.client, results)
	var timer *time.Timer
	var timeout <-chan time.Time
	closing := func() {
		if timer == nil {
			timer = time.NewTimer(relayCloseTimeout)
			timeout = timer.C
		}
	}
	var backendErr error
	for pending := 2; pending > 0; {
		select {
		case res := <-results:
			pending--
			if res.err != nil && r.lost(res.src) && res.src == r.backend {
				backendErr = errors.Join(errBackendLost, res.err)
			}
			closing()
		case l := <-r.failed:
			if r.lost(l) && l == r.backend {
				backendErr = errBackendLost
			}
			closing()
		case req := <-r.closeReq:
			r.closeBoth(req.code, req.reason)
			closing()
		case <-timeout:
			r.abort()
			timeout = nil
		}
	}
	if timer != nil {
		timer.Stop()
	}
	if r.backend.closeRecv.Load() && !r.backend.dead.Load() {
		// As a client, wait for the backend to end the connection first
		// (RFC 6455 section 7.1.1): over HTTP/2 and HTTP/3 our reset
		// could overtake the last close frame.
		r.backend.s.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, io.LimitReader(r.backend.s, 1<<20))
	}
	r.backend.s.Close()
	r.client.s.Close()
	return backendErr
}

// abort closes both legs at once: blocked reads and writes fail.
func (r *relay) abort() {
	r.backend.dead.Store(true)
	r.client.dead.Store(true)
	r.backend.s.Close()
	r.client.s.Close()
}

// lost handles leg l failing: it is closed, and unless it had sent its
// close frame, the other leg gets one saying so. It reports whether l
// failed before its close frame.
func (r *relay) lost(l *leg) bool {
	l.dead.Store(true)
	l.s.Close()
	if l.closeRecv.Load() {
		return false
	}
	if l == r.backend {
		r.inject(r.client, ws.StatusBadGateway, "backend went away")
	} else {
		r.inject(r.backend, ws.StatusGoingAway, "client went away")
	}
	return true
}

// inject sends l a close frame with code and reason, unless it got one,
// once the frame being written to it (if any) is whole. If that frame does
// not end within relayCloseTimeout, the relay is aborted.
func (r *relay) inject(l *leg, code ws.StatusCode, reason string) {
	if l.dead.Load() || !r.acquire(l) {
		return
	}
	r.sendClose(l, code, reason)
	<-l.lock
}

// closeBoth sends the client a close frame with code and reason and the
// backend one with 1001, holding both legs so that neither's reply to its
// close frame can reach the other first.
func (r *relay) closeBoth(code ws.StatusCode, reason string) {
	if !r.acquire(r.client) {
		return
	}
	defer func() { <-r.client.lock }()
	if !r.acquire(r.backend) {
		return
	}
	defer func() { <-r.backend.lock }()
	r.sendClose(r.client, code, reason)
	r.sendClose(r.backend, ws.StatusGoingAway, reason)
}

// acquire takes l's lock within relayCloseTimeout, or aborts the relay
// and reports false.
func (r *relay) acquire(l *leg) bool {
	t := time.NewTimer(relayCloseTimeout)
	defer t.Stop()
	select {
	case l.lock <- struct{}{}:
		return true
	case <-t.C:
		r.abort()
		return false
	}
}

// sendClose writes a close frame to l, whose lock the caller holds,
// unless l got one or failed.
func (r *relay) sendClose(l *leg, code ws.StatusCode, reason string) {
	if l.closeSent || l.dead.Load() {
		return
	}
	l.closeSent = true
	var b [maxHeader + 125]byte
	if err := l.write(appendClose(b[:0], code, reason, l.masked)); err != nil {
		r.report(l)
	}
}

// report tells run that a write to l failed.
func (r *relay) report(l *leg) {
	if !l.dead.Swap(true) {
		r.failed <- l // room for both legs
	}
}

// pump copies frames from src to dst until src sends its close frame or
// fails.
func (r *relay) pump(src, dst *leg, results chan<- pumpResult) {
	var h frameHeader
	for {
		err := readFrameHeader(src.s, &h)
		if err == nil && h.op == opClose {
			err = r.forwardClose(src, dst, &h)
			results <- pumpResult{src, err}
			return
		}
		if err == nil {
			err = r.forward(src, dst, &h)
		}
		if err != nil {
			results <- pumpResult{src, err}
			return
		}
	}
}

// forward copies the frame whose header is h from src to dst with a
// bounded buffer, or drops it if dst is closed or dead. It returns src's
// read errors; dst's are reported.
func (r *relay) forward(src, dst *leg, h *frameHeader) error {
	dst.lock <- struct{}{}
	defer func() { <-dst.lock }()
	if dst.closeSent || dst.dead.Load() {
		_, err := io.CopyN(io.Discard, src.s, h.length)
		return unexpected(err)
	}
	bp := relayBuf.Get().(*[]byte)
	defer relayBuf.Put(bp)
	buf := *bp
	n := copy(buf, h.raw[:h.n])
	for remain := h.length; ; {
		k := 0
		if remain > 0 {
			var err error
			k, err = src.s.Read(buf[n:min(int64(len(buf)), int64(n)+remain)])
			if k == 0 && err != nil {
				return unexpected(err)
			}
			remain -= int64(k)
		}
		if !dst.dead.Load() {
			if err := dst.write(buf[:n+k]); err != nil {
				r.report(dst)
			}
		}
		n = 0
		if remain == 0 {
			return nil
		}
	}
}

// forwardClose reads src's close frame, whose header is h, and passes it
// to dst unless dst already got one.
func (r *relay) forwardClose(src, dst *leg, h *frameHeader) error {
	var b [maxHeader + 125]byte
	n := copy(b[:], h.raw[:h.n])
	if _, err := io.ReadFull(src.s, b[n:n+int(h.length)]); err != nil {
		return unexpected(err)
	}
	payload := append([]byte(nil), b[n:n+int(h.length)]...)
	if h.masked {
		unmask(payload, h.mask)
	}
	src.code, src.reason = parseClose(payload)
	src.closeRecv.Store(true)
	dst.lock <- struct{}{}
	defer func() { <-dst.lock }()
	if dst.closeSent || dst.dead.Load() {
		return nil
	}
	dst.closeSent = true
	if err := dst.write(b[:n+int(h.length)]); err != nil {
		r.report(dst)
	}
	return nil
}
