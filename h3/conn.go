package h3

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/qlogwriter"
	"github.com/triohttp/trio/internal/workers"
)

// A conn is one QUIC connection served by trio's engine.
type conn struct {
	srv   *Server
	qc    *quic.Conn
	local net.Addr // for http.LocalAddrContextKey

	gotCtrl, gotEnc, gotDec atomic.Bool   // critical streams seen
	gotSettings             chan struct{} // closed once peer is set
	peer                    peerSettings

	ctrlMu sync.Mutex
	ctrl   *quic.SendStream

	qlog qlogwriter.Recorder // HTTP/3 frames for Config.Tracer; nil if not traced

	tlsOnce sync.Once
	tls     *tls.ConnectionState
	remote  string

	handlers sync.WaitGroup              // request handlers running
	workers  *workers.Pool[*quic.Stream] // goroutines that run them, kept for the next stream

	mu        sync.Mutex    // guards below
	active    int           // request streams in use: handlers running, WebSockets open
	nextID    quic.StreamID // first request stream not accepted yet
	goingAway bool          // GOAWAY sent
	idle      *time.Timer   // closes the connection after IdleTimeout without requests
	load      streamLoad    // streams refused; see limits.go

	keepAlive keepAlive // pings while WebSockets are open; see keepalive.go
}

func newConn(s *Server, qc *quic.Conn) *conn {
	c := &conn{srv: s, qc: qc, local: qc.LocalAddr(), gotSettings: make(chan struct{}), remote: qc.RemoteAddr().String(), qlog: newQlog(qc)}
	c.workers = workers.New(func(str *quic.Stream) {
		defer c.handlers.Done()
		c.serveStream(str)
		switch reset, completed := clientReset(str); {
		case reset:
			c.streamReset()
		case completed:
			c.streamCompleted()
		}
	}, workers.Keep, qc.Context().Done())
	c.initResets()
	return c
}

// A streamCtx is a request's context: the stream's, with the values
// net/http's request contexts carry. quic-go cancels it when the server
// ends its side of the stream (the response is complete, or the stream
// is reset), when the client stops reading (STOP_SENDING) and when the
// connection closes: the response ends only once the handler returned,
// so the context is done then, as net/http's is, without a child context
// per request. A CONNECT request gets a child cancelled when its handler
// returns, since a WebSocket may take its stream over past the handler.
type streamCtx struct {
	context.Context
	c *conn
}

func (ctx *streamCtx) Value(key any) any {
	switch key {
	case ServerContextKey:
		return ctx.c.srv
	case http.LocalAddrContextKey:
		return ctx.c.local
	}
	return ctx.Context.Value(key)
}

// serve serves the connection until it closes, and returns once every
// handler on it has returned.
func (c *conn) serve() {
	defer c.closeQlog()
	defer c.stopKeepAlive()
	defer c.workers.Wait() // after the handlers: idle ones leave as the connection closes
	defer c.handlers.Wait()
	ctrl, err := c.qc.OpenUniStream()
	if err == nil {
		c.ctrl = ctrl
		b := appendSettingsFrame([]byte{streamControl}, c.srv.cfg.maxHeaderBytes())
		_, err = ctrl.Write(b)
		if c.qlog != nil {
			c.qlogStreamType(ctrl.StreamID(), streamControl, true)
			new(frameScanner).created(c.qlog, ctrl.StreamID(), b[1:])
		}
	}
	if err != nil {
		c.qc.CloseWithError(quic.ApplicationErrorCode(ErrInternal), "opening the control stream")
		return
	}
	go c.acceptUni()
	if d := c.srv.cfg.idleTimeout(); d > 0 {
		c.mu.Lock()
		c.idle = time.AfterFunc(d, func() { c.qc.CloseWithError(quic.ApplicationErrorCode(ErrNoError), "idle timeout") })
		c.mu.Unlock()
	}
	ctx := c.srv.graceCtx
	for {
		str, err := c.qc.AcceptStream(ctx)
		switch {
		case err == nil:
			c.start(str)
		case c.qc.Context().Err() != nil:
			c.stopIdle()
			return
		case c.srv.closeCtx.Err() != nil:
			c.forceClose()
			c.stopIdle()
			return
		default: // graceful shutdown: keep accepting, to refuse
			c.goAway()
			ctx = c.srv.closeCtx
		}
	}
}

// start serves request stream str, or refuses it after GOAWAY.
func (c *conn) start(str *quic.Stream) {
	c.mu.Lock()
	if c.goingAway {
		c.mu.Unlock()
		str.CancelRead(quic.StreamErrorCode(ErrRequestRejected))
		str.CancelWrite(quic.StreamErrorCode(ErrRequestRejected))
		return
	}
	c.nextID = str.StreamID() + 4
	if !c.admitStream(str) {
		c.mu.Unlock()
		return
	}
	c.active++
	if o := c.srv.Observer; o != nil {
		o.StreamOpened()
	}
	if c.idle != nil {
		c.idle.Stop()
	}
	c.mu.Unlock()
	c.handlers.Add(1)
	c.workers.Go(str)
}

// streamDone is called once per request stream when it is no longer in
// use. The last one restarts the idle timer, or after GOAWAY closes the
// connection.
func (c *conn) streamDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.srv.Observer; o != nil {
		o.StreamClosed()
	}
	if c.active--; c.active > 0 {
		return
	}
	if c.goingAway {
		go c.closeAfterLinger()
	} else if c.idle != nil && c.qc.Context().Err() == nil {
		c.idle.Reset(c.srv.cfg.idleTimeout())
	}
}

func (c *conn) stopIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle != nil {
		c.idle.Stop()
	}
}

// goAway sends GOAWAY with the first request stream not accepted: the
// client may retry those elsewhere. Requests in flight go on; when the
// last is done the connection closes.
func (c *conn) goAway() {
	c.mu.Lock()
	if c.goingAway {
		c.mu.Unlock()
		return
	}
	c.goingAway = true
	id, idle := c.nextID, c.active == 0
	c.mu.Unlock()
	c.ctrlMu.Lock()
	b := appendVarintFrame(nil, frameGoaway, uint64(id))
	c.ctrl.Write(b)
	if c.qlog != nil {
		new(frameScanner).created(c.qlog, c.ctrl.StreamID(), b)
	}
	c.ctrlMu.Unlock()
	if idle {
		go c.closeAfterLinger()
	}
}

// closeAfterLinger closes a drained connection with H3_NO_ERROR once the
// client has had time to receive the last responses (quic-go cannot tell
// when they are acknowledged), unless the client closes it first, as
// clients do after GOAWAY once their requests are done.
func (c *conn) closeAfterLinger() {
	linger := 100*time.Millisecond + 4*c.qc.ConnectionStats().SmoothedRTT
	t := time.NewTimer(linger)
	defer t.Stop()
	select {
	case <-c.qc.Context().Done():
		return
	case <-t.C:
	case <-c.srv.closeCtx.Done():
	}
	c.qc.CloseWithError(quic.ApplicationErrorCode(ErrNoError), "")
}

// fail closes the connection if err is a connection error.
func (c *conn) fail(err error) {
	if ce, ok := errors.AsType[*ConnError](err); ok {
		c.qc.CloseWithError(quic.ApplicationErrorCode(ce.Code), ce.Reason)
	}
}

// tlsState is the connection's TLS state, read once the handshake is done.
func (c *conn) tlsState() *tls.ConnectionState {
	select {
	case <-c.qc.HandshakeComplete():
	default:
		cs := c.qc.ConnectionState().TLS
		return &cs
	}
	c.tlsOnce.Do(func() {
		cs := c.qc.ConnectionState().TLS
		c.tls = &cs
	})
	return c.tls
}

// handshakeDone reports whether the handshake completed: before that, a
// request may have come in 0-RTT data.
func (c *conn) handshakeDone() bool {
	select {
	case <-c.qc.HandshakeComplete():
		return true
	default:
		return false
	}
}
