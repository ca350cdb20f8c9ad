package h3

import "github.com/quic-go/quic-go"

// forceClose closes c at once, when Shutdown's context ended or Close was
// called. A connection with requests in flight (or WebSockets not closed
// by the shutdown hooks) is closed with H3_REQUEST_CANCELLED, which ends
// every stream on it: the client learns that its requests were cut rather
// than completed. An idle one is closed with H3_NO_ERROR.
func (c *conn) forceClose() {
	c.mu.Lock()
	cut := c.active > 0
	c.mu.Unlock()
	if cut {
		c.qc.CloseWithError(quic.ApplicationErrorCode(ErrRequestCancelled), "server closed with requests in flight")
		return
	}
	c.qc.CloseWithError(quic.ApplicationErrorCode(ErrNoError), "server closed")
}
