package h2

// Receive-window sizes: what the server starts announcing and how far
// autotuning may grow them.
const (
	initialStreamWindow = 256 << 10
	initialConnWindow   = 1 << 20
	maxStreamWindow     = 8 << 20
	maxConnWindow       = 32 << 20
)

// flowState is the connection-level flow control (RFC 9113 5.2): the
// window the client gave the server, and the one the server gives it.
type flowState struct {
	sendWin    int64
	sentCredit int64 // DATA bytes sent that closed streams' WINDOW_UPDATEs may return
	recvWin    int64 // what the client may still send on the connection
	recvAcked  int64 // consumed bytes not yet returned by WINDOW_UPDATE
	recvSize   int64 // autotuned connection window
}

// consumedLocked returns n bytes of receive window: the connection's, and
// st's unless st is nil or the client is done sending on it. WINDOW_UPDATEs
// go out once a quarter of a window is owed. Windows grow (autotuning) when
// the client used most of one and the handler keeps up, up to
// maxConnWindow and maxStreamWindow.
func (c *conn) consumedLocked(st *stream, n int64) {
	if n <= 0 || c.dead != nil {
		return
	}
	c.recvAcked += n
	if c.recvAcked >= c.recvSize/4 {
		incr := c.recvAcked
		if c.recvWin < c.recvSize/2 && c.recvSize < maxConnWindow {
			incr += c.recvSize
			c.recvSize *= 2
		}
		c.recvWin += incr
		c.recvAcked = 0
		c.out = appendWindowUpdate(c.out, 0, uint32(incr))
		c.signalLocked()
	}
	if st == nil || st.remoteClosed {
		return
	}
	st.recvAcked += n
	if st.recvAcked >= st.recvSize/4 {
		incr := st.recvAcked
		keepingUp := len(st.in)-st.inOff < int(st.recvSize/4)
		if st.recvWin < st.recvSize/2 && keepingUp && st.recvSize < maxStreamWindow {
			incr += st.recvSize
			st.recvSize *= 2
		}
		st.recvWin += incr
		st.recvAcked = 0
		c.out = appendWindowUpdate(c.out, st.id, uint32(incr))
		c.signalLocked()
	}
}
