package h2

import (
	"math"
	"time"

	"golang.org/x/net/http2"
)

// startShutdown begins a graceful shutdown (RFC 9113 section 6.8): a
// GOAWAY announcing the largest stream ID and a PING; when the PING comes
// back (or PingTimeout passes) the final GOAWAY names the last stream the
// server will serve. The connection closes once those streams are done.
func (c *conn) startShutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.goAway > 0 || c.dead != nil || c.closing {
		return
	}
	c.goAway = 1
	c.out = appendGoAway(c.out, math.MaxInt32, http2.ErrCodeNo, "")
	c.out = appendPing(c.out, false, gracefulPing)
	c.signalLocked()
	c.gaTimer = time.AfterFunc(c.cfg.pingTimeout(), c.finalGoAway)
}

// finalGoAway sends the second GOAWAY of a graceful shutdown.
func (c *conn) finalGoAway() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finalGoAwayLocked()
}

func (c *conn) finalGoAwayLocked() {
	if c.goAway != 1 || c.dead != nil {
		return
	}
	c.goAway, c.goAwayID = 2, c.maxID
	c.out = appendGoAway(c.out, c.maxID, http2.ErrCodeNo, "")
	c.signalLocked()
	c.updateIdleLocked()
}
