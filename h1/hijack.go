package h1

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"time"
)

// Hijack hands the connection to the handler, as http.Hijacker: what the
// handler wrote so far is flushed first, and the reader holds what the
// client sent past the request. The connection is the *tls.Conn over TLS.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.hijacked:
		return nil, nil, http.ErrHijacked
	case w.finished:
		return nil, nil, errAfterHandler
	}
	if w.wroteHeader {
		if err := w.flushLocked(); err != nil {
			return nil, nil, err
		}
	}
	c := w.c
	if c.bw != nil {
		c.bw.Flush()
		c.releaseWriter()
	}
	w.hijacked = true
	br := c.takeReader()
	return c.nc, bufio.NewReadWriter(br, bufio.NewWriterSize(c.nc, 512)), nil
}

// takeReader stops the connection's goroutine from reading and returns a
// reader of what the connection holds unread, then of the connection.
func (c *srvConn) takeReader() *bufio.Reader {
	c.mu.Lock()
	c.hijacked = true
	reading := c.reading
	c.aborting = reading
	c.mu.Unlock()
	if reading {
		c.nc.SetReadDeadline(aLongTimeAgo)
		<-c.abortDone
	}
	c.nc.SetReadDeadline(time.Time{})
	c.bodyEOF() // wakes the connection's goroutine if it waits for the body

	var pending []byte
	if c.br != nil {
		if n := c.br.Buffered(); n > 0 {
			p, _ := c.br.Peek(n)
			pending = bytes.Clone(p)
		}
		c.dropBuffers()
	} else if c.hasOne {
		pending = []byte{c.one[0]}
		c.hasOne = false
	}
	br := readerPool.Get().(*bufio.Reader)
	if len(pending) > 0 {
		br.Reset(&prefixConn{Conn: c.nc, head: pending})
	} else {
		br.Reset(c.nc)
	}
	return br
}
