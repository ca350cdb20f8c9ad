package h2

import (
	"io"
	"net/http"
	"os"
	"time"
)

// requestBody is the streaming, flow-controlled body of a request.
type requestBody struct{ st *stream }

// Read returns request DATA as it arrives, returning flow-control window
// to the client as it is consumed.
func (b *requestBody) Read(p []byte) (int, error) {
	st, c := b.st, b.st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var waitStart time.Time // BodyTimeout: since when this Read waits for the client
	defer func() {
		if !waitStart.IsZero() {
			st.bodyTimer.Stop()
		}
	}()
	for {
		if st.refuseErr != nil {
			return 0, st.refuseErr
		}
		if st.bodyClosed {
			return 0, http.ErrBodyReadAfterClose
		}
		if avail := len(st.in) - st.inOff; avail > 0 {
			n := copy(p, st.in[st.inOff:])
			st.inOff += n
			if st.inOff == len(st.in) {
				st.in, st.inOff = st.in[:0], 0
			}
			c.consumedLocked(st, int64(n))
			return n, nil
		}
		if st.err != nil {
			return 0, st.err
		}
		if st.remoteClosed {
			for k, vv := range st.trailer {
				if st.req.Trailer == nil {
					st.req.Trailer = make(http.Header)
				}
				st.req.Trailer[k] = vv
			}
			st.trailer = nil
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		if !st.rDeadline.IsZero() && !time.Now().Before(st.rDeadline) {
			return 0, os.ErrDeadlineExceeded
		}
		if st.continueOK && !st.hdrSent {
			st.continueOK = false
			c.hdrBuf = c.enc.status(c.enc.begin(c.hdrBuf[:0]), http.StatusContinue)
			c.out = appendHeaderBlock(c.out, st.id, c.hdrBuf, false, c.peerFrame)
			c.signalLocked()
		}
		if d := c.cfg.bodyTimeout(); d > 0 && !st.ownReadDL && st.req.Method != http.MethodConnect { // not tunnels, WebSockets included
			switch {
			case waitStart.IsZero():
				waitStart = time.Now()
				st.armBodyTimerLocked(d)
			case time.Since(waitStart) >= d:
				c.refuseLocked(st, LimitBodyTime, http.StatusRequestTimeout, ErrBodyTimeout)
				return 0, ErrBodyTimeout
			}
		}
		st.cond.Wait()
	}
}

// Close discards unread data; later DATA only returns connection window.
func (b *requestBody) Close() error {
	st, c := b.st, b.st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !st.bodyClosed {
		st.bodyClosed = true
		if n := len(st.in) - st.inOff; n > 0 {
			c.consumedLocked(nil, int64(n))
		}
		st.in, st.inOff = nil, 0
		st.cond.Broadcast()
	}
	return nil
}

// armBodyTimerLocked wakes the body Read waiting on st in d, for
// BodyTimeout. The timer is the stream's, made on the first wait and
// reset on the next ones, so that a body arriving frame by frame costs no
// timer per Read; the Read stops it when it returns. A wake-up left over
// from an earlier Read only makes the waiting one check its time again.
func (st *stream) armBodyTimerLocked(d time.Duration) {
	if st.bodyTimer != nil {
		st.bodyTimer.Reset(d)
		return
	}
	c := st.c
	st.bodyTimer = time.AfterFunc(d, func() {
		c.mu.Lock()
		st.cond.Broadcast()
		c.mu.Unlock()
	})
}
