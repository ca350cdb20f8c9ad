package h1

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// clientPreface is the HTTP/2 connection preface (RFC 9113 §3.4).
const clientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// headError answers a request head that could not be read: 408 for one
// that did not arrive within ReadHeaderTimeout, 414 or 431 for one too
// large; a connection that ended mid-head is closed.
func (c *srvConn) headError(err error) result {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return c.reject(se)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.srv.Config.limitHit(LimitHeaderTime)
		return c.reject(&statusError{Code: http.StatusRequestTimeout, Msg: "Request Timeout"})
	}
	return resAbort
}

// reject answers a request the engine refuses with e's status, then the
// connection closes. Foreign connections are closed unanswered.
func (c *srvConn) reject(e *statusError) result {
	if e.Foreign {
		return resClose
	}
	text := http.StatusText(e.Code)
	msg := text
	if e.Msg != text {
		msg += ": " + e.Msg
	}
	msg += "\n"
	b := appendStatusLine(c.hbuf[:0], e.Code)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(msg)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, msg...)
	c.hbuf = b
	c.nc.SetWriteDeadline(time.Now().Add(lingerTimeout))
	c.out.Write(b)
	return resClose
}

// sniffPreface reads the start of a cleartext connection whose first byte
// is that of the HTTP/2 preface: if all of it follows, the connection goes
// to H2C, which reads it again.
func (c *srvConn) sniffPreface() (result, bool) {
	br := c.reader()
	c.setReadDL(time.Now().Add(c.srv.Config.readHeaderTimeout()))
	for n := 1; n <= len(clientPreface); n++ {
		p, err := br.Peek(n)
		if err != nil {
			return resAbort, true
		}
		if p[n-1] != clientPreface[n-1] {
			return 0, false // HTTP/1 after all
		}
	}
	p, _ := br.Peek(br.Buffered())
	nc := net.Conn(&prefixConn{Conn: c.raw, head: bytes.Clone(p)})
	c.dropBuffers()
	c.setReadDL(time.Time{})
	c.srv.untrack(c)
	c.srv.H2C(nc)
	return resHandedOn, true
}
