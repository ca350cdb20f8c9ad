package h1

import (
	"context"
	"net"
	"net/http"
	"time"
)

// What serveRequest leaves the connection to do.
type result int

const (
	resNext     result = iota // read the next request
	resClose                  // close after lingering for what the client still sends
	resAbort                  // close at once
	resHijacked               // the handler took the connection
	resHandedOn               // another protocol took the connection
)

// serve runs the connection: the TLS handshake, then requests until the
// connection closes or is taken over. It runs on a worker of Server.serving.
func (c *srvConn) serve() {
	s := c.srv
	defer s.untrack(c)
	if s.tlsCfg != nil && !c.handshake() {
		return
	}
	c.remote = c.raw.RemoteAddr().String()
	ctx := context.Background()
	if s.Base != nil {
		ctx = context.WithValue(ctx, http.ServerContextKey, s.Base)
	}
	c.ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.raw.LocalAddr())
	s.connState(c.raw, http.StateNew)
	switch c.loop() {
	case resHijacked:
		s.connState(c.raw, http.StateHijacked)
	case resHandedOn:
	case resClose:
		c.linger()
		s.connState(c.raw, http.StateClosed)
	default:
		c.nc.Close()
		s.connState(c.raw, http.StateClosed)
	}
}

func (c *srvConn) loop() result {
	for first := true; ; first = false {
		if !c.awaitRequest(first) {
			return resAbort
		}
		if first && c.srv.tlsCfg == nil && c.srv.H2C != nil && c.one[0] == clientPreface[0] {
			if res, ok := c.sniffPreface(); ok {
				return res
			}
		}
		switch res := c.serveRequest(first); res {
		case resNext:
		case resHijacked: // the reader is the handler's now
			return res
		default:
			c.dropBuffers()
			return res
		}
	}
}

// awaitRequest waits for the first byte of a request, holding no read
// buffer while the connection is idle, and reports whether one came.
func (c *srvConn) awaitRequest(first bool) bool {
	if c.br != nil && c.br.Buffered() > 0 {
		return c.setState(stateActive)
	}
	c.releaseReader()
	if !c.hasOne {
		d := c.srv.Config.idleTimeout()
		if first {
			d = c.srv.Config.readHeaderTimeout()
		}
		var dl time.Time
		if d > 0 {
			dl = time.Now().Add(d)
		}
		c.setReadDL(dl)
		if n, _ := c.nc.Read(c.one[:]); n == 0 {
			return false
		}
		c.hasOne = true
	}
	return c.setState(stateActive)
}

// serveRequest reads one request, runs its handler on a worker, and
// watches the connection until the handler returns.
func (c *srvConn) serveRequest(first bool) result {
	cfg := c.srv.Config
	t0 := time.Now()
	if d := cfg.readHeaderTimeout(); d > 0 {
		c.setReadDL(t0.Add(d))
	}
	var err error
	c.head, err = readHeadFields(c.reader(), c.head[:0], cfg.maxHeadBytes(), cfg.maxURIBytes(), cfg.maxHeaderFields())
	if err == errTooManyFields {
		cfg.limitHit(LimitHeaderFields)
	}
	if err != nil {
		return c.headError(err)
	}
	var h head
	if serr := parseHead(string(c.head), first, &h); serr != nil {
		return c.reject(serr)
	}
	if n := cfg.maxBodyBytes(); n > 0 && h.contentLength > n {
		cfg.limitHit(LimitBodyBytes)
		return c.reject(&statusError{Code: http.StatusRequestEntityTooLarge, Msg: "request body larger than the server accepts"})
	}
	var dl time.Time
	if d := cfg.readTimeout(); d > 0 {
		dl = t0.Add(d)
	}
	c.setReadDeadline(dl)
	c.ownDL.Store(false)
	if h.chunked || h.contentLength > 0 {
		c.setReadDL(dl) // the body's reads have it
	} else {
		c.armLazily(dl) // only the background read, which rearms
	}
	if d := cfg.writeTimeout(); d > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(d))
	}
	ctx, cancel := context.WithCancel(c.ctx)
	r, serr := newRequest(ctx, &h, c.remote, c.tlsState)
	if serr != nil {
		cancel()
		return c.reject(serr)
	}
	w := c.newResponse(r, &h, cancel)
	c.srv.connState(c.raw, http.StateActive)
	select {
	case <-c.eof: // left from a body the connection drained
	default:
	}
	c.cur = w
	c.srv.handlers.Go(c)
	return c.await(w)
}

func (c *srvConn) newResponse(r *http.Request, h *head, cancel func()) *response {
	if c.hdr == nil {
		c.hdr = make(http.Header)
	} else {
		clear(c.hdr)
	}
	w := &response{c: c, req: r, header: c.hdr, cancel: cancel, length: -1,
		expect100: h.expect100, keepAlive10: h.keepAlive10, smuggle: h.smuggle}
	if !h.chunked && h.contentLength <= 0 {
		r.Body = http.NoBody
		return w
	}
	cfg := c.srv.Config
	b := &body{br: c.br, req: r, w: w, onEOF: c.bodyEOF, remain: max(h.contentLength, 0),
		chunked: h.chunked, maxTrail: cfg.maxHeadBytes(), maxTrailFields: cfg.maxHeaderFields(),
		expect: h.expect100 && h.minor >= 1, limit: cfg.maxBodyBytes(), timeout: cfg.bodyTimeout()}
	w.body, r.Body = b, b
	return w
}

func (c *srvConn) bodyEOF() {
	select {
	case c.eof <- struct{}{}:
	default:
	}
}

// await watches the connection while the handler runs: once the request
// body is read, it reads the first byte of what follows, so that the
// request's context is cancelled if the client goes away, and so that an
// idle connection holds no read buffer.
func (c *srvConn) await(w *response) result {
	for bodyDone := w.body == nil; !bodyDone; {
		select {
		case <-c.done:
			return c.afterHandler(w)
		case <-c.eof:
			bodyDone = true
			c.setReadDL(c.readDeadline()) // the body's reads moved it
		}
	}
	c.mu.Lock()
	if c.hijacked {
		c.mu.Unlock()
		return resHijacked
	}
	if c.br.Buffered() > 0 { // the next request is here already
		c.mu.Unlock()
		<-c.done
		return c.afterHandler(w)
	}
	c.releaseReader()
	c.reading = true
	c.mu.Unlock()

	var n int
	var err error
	for {
		n, err = c.nc.Read(c.one[:])
		c.mu.Lock()
		if n == 0 && !c.aborting && isTimeout(err) && c.rearm() {
			c.mu.Unlock()
			continue
		}
		break
	}
	c.reading = false
	aborted := c.aborting
	c.hasOne = n > 0
	c.mu.Unlock()
	if aborted {
		c.abortDone <- struct{}{}
		return resHijacked
	}
	if n == 0 {
		if c.overTLS && !isTimeout(err) {
			w.clientGone()
		}
		w.cancel() // the client went away, or the deadline passed
		<-c.done
		if c.isHijacked() {
			return resHijacked
		}
		return resAbort
	}
	<-c.done
	return c.afterHandler(w)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// afterHandler decides the connection's fate once the handler returned,
// draining what it left of the request body.
func (c *srvConn) afterHandler(w *response) result {
	switch {
	case c.isHijacked():
		return resHijacked
	case w.aborted:
		return resAbort
	case w.closeAfter || !c.srv.keepAlive():
		return resClose
	case w.body == nil:
		return resNext
	}
	done, broken := w.body.end()
	switch {
	case broken:
		return resClose
	case done:
		return resNext
	}
	c.setReadDL(time.Now().Add(lingerTimeout * 4))
	var buf [1024]byte
	if !w.body.drain(maxDrain, buf[:]) {
		return resClose
	}
	return resNext
}

func (c *srvConn) isHijacked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hijacked
}

// dropBuffers gives the buffers back when the connection ends.
func (c *srvConn) dropBuffers() {
	if c.br != nil {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
}

// linger closes the connection after reading, for a while, what the
// client still sends, so that the close does not reset the connection
// before the client reads the last response (net/http's
// closeWriteAndWait, RFC 9112 §9.6).
func (c *srvConn) linger() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.setReadDL(time.Now().Add(lingerTimeout))
	var buf [512]byte
	for {
		if _, err := c.nc.Read(buf[:]); err != nil {
			break
		}
	}
	c.nc.Close()
}

// aLongTimeAgo is a deadline that stops a read at once.
var aLongTimeAgo = time.Unix(1, 0)
