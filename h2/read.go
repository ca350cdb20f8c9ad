package h2

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// readState is the reading goroutine's own: the framer and the HPACK
// decoder of request header blocks.
type readState struct {
	br          *bufio.Reader
	fr          *http2.Framer
	dec         *hpack.Decoder
	hb          headerBlock
	sawSettings bool
}

const clientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// readLoop reads and processes frames until the connection fails.
func (c *conn) readLoop(sawPreface bool) error {
	if !sawPreface {
		if d := c.cfg.prefaceTimeout(); d > 0 {
			c.nc.SetReadDeadline(time.Now().Add(d))
		}
		var buf [len(clientPreface)]byte
		if _, err := io.ReadFull(c.br, buf[:]); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.cfg.limitHit(LimitPrefaceTime)
			}
			return err
		}
		if string(buf[:]) != clientPreface {
			return connErr(http2.ErrCodeProtocol, "invalid client preface")
		}
		c.nc.SetReadDeadline(time.Time{})
	}
	for {
		f, err := c.fr.ReadFrame()
		if err == nil && c.trace != nil {
			c.trace.read(f)
		}
		if err == nil {
			err = c.process(f)
		}
		if err != nil {
			if err = c.handleError(err); err != nil {
				return err
			}
		}
		c.mu.Lock()
		for len(c.out) > outHardLimit && c.dead == nil {
			c.waitSendLocked()
		}
		dead := c.dead
		c.mu.Unlock()
		if dead != nil {
			return dead
		}
	}
}

// handleError resets the stream of a stream error and returns other errors.
func (c *conn) handleError(err error) error {
	var se *StreamError
	switch e := err.(type) {
	case *StreamError:
		se = e
	case http2.StreamError:
		se = &StreamError{StreamID: e.StreamID, Code: e.Code, Cause: e.Cause}
	case http2.ConnectionError:
		return connErr(http2.ErrCode(e), "frame error")
	default:
		if errors.Is(err, http2.ErrFrameTooLarge) {
			return connErr(http2.ErrCodeFrameSize, "frame too large")
		}
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A reset the client provoked spends the same budget as one it sent
	// (MadeYouReset, CVE-2025-8671).
	if !c.resets.spend(time.Now()) {
		return c.tooManyResets()
	}
	if st := c.streams[se.StreamID]; st != nil {
		c.resetLocked(st, se.Code, errStreamReset)
		return nil
	}
	c.out = appendRSTStream(c.out, se.StreamID, se.Code)
	c.markResetLocked(se.StreamID)
	c.signalLocked()
	return nil
}

// process handles one frame.
func (c *conn) process(f http2.Frame) error {
	if !c.sawSettings {
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			return connErr(http2.ErrCodeProtocol, "expected SETTINGS")
		}
		c.sawSettings = true
	}
	switch f := f.(type) {
	case *http2.DataFrame:
		return c.processData(f)
	case *http2.HeadersFrame:
		return c.processHeaders(f)
	case *http2.SettingsFrame:
		return c.processSettings(f)
	case *http2.PingFrame:
		return c.processPing(f)
	case *http2.WindowUpdateFrame:
		return c.processWindowUpdate(f)
	case *http2.RSTStreamFrame:
		return c.processRST(f)
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return streamErr(f.StreamID, http2.ErrCodeProtocol, "stream depends on itself")
		}
		return c.flood()
	case *http2.GoAwayFrame:
		// The client opens no more streams: finish ours, then close.
		c.startShutdown()
		return nil
	case *http2.PushPromiseFrame:
		return connErr(http2.ErrCodeProtocol, "PUSH_PROMISE from client")
	case *http2.ContinuationFrame:
		return connErr(http2.ErrCodeProtocol, "unexpected CONTINUATION")
	default: // PRIORITY_UPDATE, unknown extensions: ignored
		return c.flood()
	}
}

// flood spends one token of the budget for frames that cost the server
// work but carry no request progress.
func (c *conn) flood() error {
	if !c.floods.spend(time.Now()) {
		return connErr(http2.ErrCodeEnhanceYourCalm, "flood")
	}
	return nil
}

func (c *conn) processPing(f *http2.PingFrame) error {
	if f.IsAck() {
		if f.Data == gracefulPing {
			c.finalGoAway()
		}
		return nil
	}
	if err := c.flood(); err != nil {
		return err
	}
	c.mu.Lock()
	c.out = appendPing(c.out, true, f.Data)
	c.signalLocked()
	c.mu.Unlock()
	return nil
}

func (c *conn) processWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		c.sendWin += inc
		if c.sendWin > maxWindow {
			return connErr(http2.ErrCodeFlowControl, "connection window overflow")
		}
	} else {
		if f.StreamID > c.maxID {
			return connErr(http2.ErrCodeProtocol, "WINDOW_UPDATE on idle stream")
		}
		st := c.streams[f.StreamID]
		if st == nil {
			return c.closedWindowUpdateLocked(inc)
		}
		st.sendWin += inc
		if st.sendWin > maxWindow {
			return streamErr(f.StreamID, http2.ErrCodeFlowControl, "stream window overflow")
		}
		if st.localClosed { // half-closed (local): nothing more to send
			return c.closedWindowUpdateLocked(inc)
		}
		st.wcond.Broadcast()
	}
	if inc < 128 { // tiny increments make the server send tiny frames
		if err := c.flood(); err != nil {
			return err
		}
	}
	if f.StreamID == 0 && c.sWaiters > 0 {
		c.scond.Broadcast()
	}
	return nil
}

// closedWindowUpdateLocked accounts for a WINDOW_UPDATE on a stream the
// server is done sending on. Clients return window for DATA as they read
// it, often after the stream closed (RFC 9113 6.9), so such updates are
// free while they return no more than the DATA sent; beyond that, or with
// tiny increments, they spend the flood budget.
func (c *conn) closedWindowUpdateLocked(inc int64) error {
	if inc >= 128 && inc <= c.sentCredit {
		c.sentCredit -= inc
		return nil
	}
	return c.flood()
}

func (c *conn) processRST(f *http2.RSTStreamFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.StreamID > c.maxID {
		return connErr(http2.ErrCodeProtocol, "RST_STREAM on idle stream")
	}
	st := c.streams[f.StreamID]
	if st == nil {
		return nil
	}
	// Rapid reset (CVE-2023-44487): cancelling streams costs budget.
	if !c.resets.spend(time.Now()) {
		return c.tooManyResets()
	}
	st.failLocked(&StreamError{StreamID: st.id, Code: f.ErrCode, Cause: errStreamReset})
	c.closeStreamLocked(st)
	if c.sWaiters > 0 {
		c.scond.Broadcast()
	}
	return nil
}

func (c *conn) processData(f *http2.DataFrame) error {
	id, n := f.StreamID, int64(f.Length)
	c.mu.Lock()
	defer c.mu.Unlock()
	if id > c.maxID {
		return connErr(http2.ErrCodeProtocol, "DATA on idle stream")
	}
	if n > c.recvWin {
		return connErr(http2.ErrCodeFlowControl, "connection window exceeded")
	}
	c.recvWin -= n
	st := c.streams[id]
	if st == nil || st.remoteClosed {
		c.consumedLocked(nil, n)
		if st == nil && (c.wasResetLocked(id) || c.ignoredLocked(id)) || st != nil && st.resetSent {
			return nil
		}
		return streamErr(id, http2.ErrCodeStreamClosed, "DATA on closed stream")
	}
	if n > st.recvWin {
		c.consumedLocked(nil, n)
		return streamErr(id, http2.ErrCodeFlowControl, "stream window exceeded")
	}
	st.recvWin -= n
	data := f.Data()
	if len(data) == 0 && !f.StreamEnded() {
		if err := c.flood(); err != nil {
			return err
		}
	}
	st.bodyLen += int64(len(data))
	if max := c.cfg.maxBodyBytes(); max > 0 && st.bodyLen > max && !st.bodyClosed && st.req.Method != http.MethodConnect {
		c.refuseLocked(st, LimitBodyBytes, http.StatusRequestEntityTooLarge, &http.MaxBytesError{Limit: max})
		st.cond.Broadcast()
	}
	if st.declLen >= 0 && (st.bodyLen > st.declLen || f.StreamEnded() && st.bodyLen != st.declLen) {
		c.consumedLocked(nil, n)
		return streamErr(id, http2.ErrCodeProtocol, "content-length mismatch")
	}
	if pad := n - int64(len(data)); pad > 0 {
		c.consumedLocked(st, pad)
	}
	if st.bodyClosed {
		c.consumedLocked(nil, int64(len(data)))
		if st.recvWin == 0 && !f.StreamEnded() {
			c.stopLingerLocked(st) // the client can send no more
		}
	} else if len(data) > 0 {
		if st.inOff == len(st.in) {
			st.in, st.inOff = st.in[:0], 0
		}
		st.in = append(st.in, data...)
		st.cond.Signal()
	}
	if f.StreamEnded() {
		c.remoteEndLocked(st)
	}
	return nil
}

// remoteEndLocked records the client's END_STREAM on st.
func (c *conn) remoteEndLocked(st *stream) {
	st.remoteClosed = true
	st.cond.Broadcast()
	c.closeStreamLocked(st)
}
