package h3

import (
	"sync"
	"time"

	"github.com/triohttp/trio/internal/defaults"
)

// Keep-alive. QUIC closes a connection silently when nothing arrived for
// its idle timeout (RFC 9000 section 10.1; [Config.QUICIdleTimeout], 30 s
// by default, or less if the client asks). A WebSocket nobody writes to
// sends nothing, so over HTTP/3 it died at 30 s while over HTTP/1.1 and
// HTTP/2 it lives until closed. While a WebSocket is open on a connection
// of trio's engine, the server sends a reserved frame type (RFC 9114
// section 7.2.8, which clients ignore) on its control stream every
// [Config.KeepAlivePeriod]: a packet the client acknowledges, which
// restarts both ends' idle timers. A client that is gone does not
// acknowledge, so the connection still ends one idle timeout later.
// Connections without WebSockets are left to the idle timeouts. With
// EngineStd, quic-go's own keep-alive PINGs run on every connection (it
// cannot tell which carry WebSockets), and its HTTP/3 IdleTimeout closes
// those without requests.

// keepAliveFrame is an empty frame of the reserved type 0x21 (0x1f * 0 +
// 0x21).
var keepAliveFrame = []byte{0x21, 0x00}

func (c *Config) quicIdleTimeout() time.Duration {
	return defaults.Duration(c.QUICIdleTimeout, 30*time.Second)
}

// keepAlivePeriod is how often a connection carrying WebSockets is
// pinged: KeepAlivePeriod, or a third of the QUIC idle timeout, or 0 for
// never.
func (c *Config) keepAlivePeriod() time.Duration {
	idle := c.quicIdleTimeout()
	if idle == 0 {
		idle = 30 * time.Second // quic-go's default
	}
	return defaults.Duration(c.KeepAlivePeriod, idle/3)
}

// A keepAlive pings one connection while WebSockets are open on it.
type keepAlive struct {
	mu    sync.Mutex
	open  int         // WebSockets open
	timer *time.Timer // sends the next ping; nil before the first WebSocket
}

// wsOpened counts a WebSocket opened on c, and starts pinging with the
// first.
func (c *conn) wsOpened() {
	d := c.srv.cfg.keepAlivePeriod()
	if d <= 0 {
		return
	}
	k := &c.keepAlive
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.open++; k.open > 1 {
		return
	}
	if k.timer == nil {
		k.timer = time.AfterFunc(d, func() { c.ping(d) })
	} else {
		k.timer.Reset(d)
	}
}

// wsClosed counts a WebSocket closed, and stops pinging after the last.
func (c *conn) wsClosed() {
	k := &c.keepAlive
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.open == 0 {
		return
	}
	if k.open--; k.open == 0 && k.timer != nil {
		k.timer.Stop()
	}
}

// ping sends the keep-alive frame and sets the next, while a WebSocket
// is open and the connection lives.
func (c *conn) ping(d time.Duration) {
	k := &c.keepAlive
	k.mu.Lock()
	open := k.open
	k.mu.Unlock()
	if open == 0 || c.qc.Context().Err() != nil {
		return
	}
	c.ctrlMu.Lock()
	_, err := c.ctrl.Write(keepAliveFrame)
	if err == nil && c.qlog != nil {
		new(frameScanner).created(c.qlog, c.ctrl.StreamID(), keepAliveFrame)
	}
	c.ctrlMu.Unlock()
	if err != nil {
		return // the connection is closing
	}
	k.mu.Lock()
	if k.open > 0 {
		k.timer.Reset(d)
	}
	k.mu.Unlock()
}

// stopKeepAlive stops pinging c, which is closed.
func (c *conn) stopKeepAlive() {
	k := &c.keepAlive
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil {
		k.timer.Stop()
	}
}
