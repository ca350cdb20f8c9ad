package h1

import (
	"net/http"
	"runtime"
	"time"
)

// runHandler serves c.cur on a worker goroutine: the handler, the end of
// the response, and what the connection does next.
func (c *srvConn) runHandler() {
	w := c.cur
	if c.callHandler(w) {
		w.finish()
	} else {
		w.abort()
	}
	if w.body != nil {
		w.body.end()
	}
	w.cancel()
	c.afterResponse(w)
	c.done <- struct{}{}
}

// callHandler runs the handler and reports whether it returned rather
// than panicked. Panics are logged, but for http.ErrAbortHandler.
func (c *srvConn) callHandler(w *response) (ok bool) {
	defer func() {
		if err := recover(); err != nil {
			if err != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				c.srv.logf("http: panic serving %v: %v\n%s", c.remote, err, buf)
			}
			ok = false
		}
	}()
	c.srv.handler().ServeHTTP(w, w.req)
	return true
}

// abort ends a response whose handler panicked: the connection closes.
func (w *response) abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.finished, w.aborted, w.closeAfter = true, true, true
}

// afterResponse releases the write buffers and readies the connection for
// its goroutine: idle with the idle deadline, or closing.
func (c *srvConn) afterResponse(w *response) {
	if c.isHijacked() {
		return
	}
	c.releaseWriter()
	w.releasePend()
	switch {
	case w.aborted:
		c.setReadDL(aLongTimeAgo) // stop the background read: the connection closes
	case w.closeAfter || !c.srv.keepAlive():
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		c.setReadDL(time.Now().Add(lingerTimeout))
	default:
		c.setState(stateIdle)
		c.srv.connState(c.raw, http.StateIdle)
		var dl time.Time
		if d := c.srv.Config.idleTimeout(); d > 0 {
			dl = time.Now().Add(d)
		}
		c.armLazily(dl)
	}
}
