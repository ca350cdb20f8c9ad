package h2

import (
	"errors"
	"os"
	"time"

	"golang.org/x/net/http2"
)

// errStalled is reported by writes of a stream whose flow-control window
// stayed closed for Config.StallTimeout.
var errStalled = errors.New("h2: stream stalled on flow control")

// minDataRoom is the least write-buffer room a DATA frame waits for.
const minDataRoom = 4 << 10

// writeDataLocked queues p as DATA frames on st within the flow-control
// windows, waiting for window and write-queue space; with end the last
// frame ends the stream (an empty DATA frame if p is empty).
func (c *conn) writeDataLocked(st *stream, p []byte, end bool) error {
	stall := c.cfg.stallTimeout()
	for {
		if st.err != nil {
			return st.err
		}
		if c.dead != nil {
			return errConnClosed
		}
		if len(p) == 0 && !end {
			return nil
		}
		// Rather wait for the writer than send a small frame.
		if err := c.roomLocked(st, frameHeaderLen+min(len(p), minDataRoom)); err != nil {
			return err
		}
		room := cap(c.out) - len(c.out) - frameHeaderLen
		n := int(min(int64(len(p)), int64(c.peerFrame), st.sendWin, c.sendWin, int64(room)))
		if len(p) > 0 && n <= 0 {
			now := time.Now()
			if st.stallStart.IsZero() {
				st.stallStart = now
			}
			if stall > 0 {
				if now.Sub(st.stallStart) >= stall {
					c.resetLocked(st, http2.ErrCodeCancel, errStalled)
					return errStalled
				}
				c.armWakeLocked(st, st.stallStart.Add(stall))
			}
			if st.sendWin <= 0 {
				st.wcond.Wait() // only this stream's events wake it
			} else {
				c.waitSendLocked()
			}
			continue
		}
		st.stallStart = time.Time{}
		endNow := end && n == len(p)
		c.out = appendData(c.out, st.id, p[:n], endNow)
		st.sendWin -= int64(n)
		c.sendWin -= int64(n)
		c.sentCredit = min(c.sentCredit+int64(n), maxWindow)
		p = p[n:]
		c.signalLocked()
		if endNow {
			return nil
		}
	}
}

// armWakeLocked makes sure the stream's timer fires no later than t. A
// wake-up already armed for an earlier time (the write deadline, or the
// stall timeout) is kept: moving it later would let a deadline pass
// unnoticed while the writer waits for flow control.
func (c *conn) armWakeLocked(st *stream, t time.Time) {
	if !st.wWake.IsZero() && st.wWake.Before(t) && time.Now().Before(st.wWake) {
		return
	}
	st.wWake = t
	if st.wTimer == nil {
		st.wTimer = time.AfterFunc(time.Until(t), func() { c.onWriteTimer(st) })
		return
	}
	st.wTimer.Reset(time.Until(t))
}

// onWriteTimer wakes writers; past the write deadline the stream is reset.
func (c *conn) onWriteTimer(st *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !time.Now().Before(st.wWake) {
		st.wWake = time.Time{} // not re-armed for later since it fired
	}
	if !st.wDeadline.IsZero() && !time.Now().Before(st.wDeadline) && !st.localClosed {
		c.resetLocked(st, http2.ErrCodeInternal, os.ErrDeadlineExceeded)
	}
	st.wcond.Broadcast()
	c.scond.Broadcast()
}

func (c *conn) onReadTimer(st *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.handlerDone && !time.Now().Before(st.rDeadline) {
		c.stopLingerLocked(st)
	}
	st.cond.Broadcast()
}

// setDeadline sets st's read or write deadline; the zero time clears it.
func (c *conn) setDeadline(st *stream, t time.Time, write bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setDeadlineLocked(st, t, write)
}

func (c *conn) setDeadlineLocked(st *stream, t time.Time, write bool) {
	if write {
		st.wDeadline = t
		if !t.IsZero() {
			c.armWakeLocked(st, t)
		}
		return
	}
	st.rDeadline = t
	if t.IsZero() {
		return
	}
	if st.rTimer == nil {
		st.rTimer = time.AfterFunc(time.Until(t), func() { c.onReadTimer(st) })
	} else {
		st.rTimer.Reset(time.Until(t))
	}
	st.cond.Broadcast()
}

// applyServerTimeoutsLocked gives a new stream the ReadTimeout and
// WriteTimeout of the HTTP/1 server, as deadlines of its body and response
// (handlers may move them with http.ResponseController), as net/http's
// HTTP/2 server does.
func (c *conn) applyServerTimeoutsLocked(st *stream) {
	if c.hs == nil {
		return
	}
	if d := c.hs.ReadTimeout; d > 0 && !st.remoteClosed {
		c.setDeadlineLocked(st, time.Now().Add(d), false)
	}
	if d := c.hs.WriteTimeout; d > 0 {
		c.setDeadlineLocked(st, time.Now().Add(d), true)
	}
}
