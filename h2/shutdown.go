package h2

import (
	"crypto/tls"
	"math"
	"net"
	"time"

	"golang.org/x/net/http2"
)

// lingerTime is how long a closing connection keeps reading (and
// discarding) so that closing it does not reset what it sent last.
const lingerTime = time.Second

// closeWrite shuts down the write side of nc, TLS first.
func closeWrite(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok {
		tc.CloseWrite()
		nc = tc.NetConn()
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// gracefulPing is the PING payload that separates the two GOAWAYs of a
// graceful shutdown.
var gracefulPing = [8]byte{'t', 'r', 'i', 'o', 'b', 'y', 'e', 0}

// shutdownState is how far a conn is from closing: the graceful
// shutdown's GOAWAYs, the idle timer, and why it failed.
type shutdownState struct {
	goAway    int    // 0 none, 1 first GOAWAY sent, 2 final GOAWAY sent
	goAwayID  uint32 // last stream ID in the final GOAWAY
	closing   bool   // writeLoop exits once out is empty
	dead      error  // set once the connection is unusable
	idle      *time.Timer
	idleArmed bool      // idle is set to fire
	idleSince time.Time // when the last stream closed; zero while streams are open
	gaTimer   *time.Timer
}

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

// failLocked marks the connection dead: every stream fails, the writer
// flushes what is queued and closes the connection.
func (c *conn) failLocked(err error) {
	if c.dead != nil {
		return
	}
	c.dead = err
	c.closing = true
	for _, st := range c.streams {
		st.failLocked(errConnClosed)
	}
	c.queue = nil
	c.stopTimersLocked()
	c.wcond.Signal()
	c.scond.Broadcast()
	c.cancel()
}

func (c *conn) stopTimersLocked() {
	if c.idle != nil {
		c.idle.Stop()
	}
	if c.gaTimer != nil {
		c.gaTimer.Stop()
	}
}

// connErrorLocked queues a GOAWAY for a connection error and fails the
// connection.
func (c *conn) connErrorLocked(ce *ConnError) {
	if c.dead == nil && ce.Code == http2.ErrCodeEnhanceYourCalm {
		c.cfg.limitHit(LimitEnhanceYourCalm)
	}
	if c.dead == nil {
		c.out = appendGoAway(c.out, c.maxID, ce.Code, ce.Reason)
	}
	c.failLocked(ce)
}

// updateIdleLocked notes when the connection became idle (no stream
// open, no handler running) and arms the idle timer if it is not armed.
// Streams opening and closing cost no timer operation: a timer that fires
// while streams are open is not re-armed until the connection is idle
// again, and one that fires early waits the rest (onIdle).
func (c *conn) updateIdleLocked() {
	if c.dead != nil {
		return
	}
	if len(c.streams) > 0 || c.running > 0 {
		c.idleSince = time.Time{}
		return
	}
	if c.goAway == 2 {
		c.closing = true
		c.wcond.Signal()
		return
	}
	d := c.cfg.idleTimeout()
	if d == 0 {
		return
	}
	c.idleSince = time.Now()
	if c.idleArmed {
		return
	}
	c.idleArmed = true
	if c.idle == nil {
		c.idle = time.AfterFunc(d, c.onIdle)
	} else {
		c.idle.Reset(d)
	}
}

// onIdle sends GOAWAY if the connection has been idle for IdleTimeout.
func (c *conn) onIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idleArmed = false
	if len(c.streams) > 0 || c.running > 0 || c.dead != nil || c.idleSince.IsZero() {
		return
	}
	if rest := c.cfg.idleTimeout() - time.Since(c.idleSince); rest > 0 {
		c.idleArmed = true
		c.idle.Reset(rest)
		return
	}
	c.out = appendGoAway(c.out, c.maxID, http2.ErrCodeNo, "idle")
	c.goAway, c.goAwayID = 2, c.maxID
	c.closing = true
	c.wcond.Signal()
}
