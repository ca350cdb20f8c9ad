package ws

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	gws "github.com/gobwas/ws"
)

// errCloseSent is returned by writes after this side sent its close frame.
var errCloseSent = errors.New("websocket: close frame already sent")

// scratch holds frames being assembled: the header and, for small or
// masked payloads, the payload, so that a frame is one write.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, gws.MaxHeaderSize+scratchPayload); return &b }}

const scratchPayload = 32 << 10

// WriteMessage sends p as one message of type typ, compressed if
// permessage-deflate was negotiated and p is at least the compression
// threshold. It blocks until the transport took the message (TCP, HTTP/2
// or QUIC flow control: backpressure), or the write deadline passes.
func (c *Conn) WriteMessage(typ MessageType, p []byte) error {
	if typ != MessageText && typ != MessageBinary {
		return errorf("cannot write message type %v", typ)
	}
	c.msgMu.Lock()
	defer c.msgMu.Unlock()
	if c.deflate != nil && len(p) >= c.threshold {
		c.deflate.begin()
		c.deflate.write(p)
		return c.writeFrame(true, gws.OpCode(typ), true, c.deflate.end())
	}
	return c.writeFrame(true, gws.OpCode(typ), false, p)
}

// NextWriter starts a message of type typ, sent in fragments: without
// compression each Write is one frame; with it, compressed output goes out
// in frames of up to 32 KiB. Close sends the final frame. Other messages
// wait until then; control frames do not.
func (c *Conn) NextWriter(typ MessageType) (io.WriteCloser, error) {
	if typ != MessageText && typ != MessageBinary {
		return nil, errorf("cannot write message type %v", typ)
	}
	c.msgMu.Lock()
	w := &messageWriter{c: c, op: gws.OpCode(typ), comp: c.deflate != nil}
	if w.comp {
		c.deflate.begin()
	}
	return w, nil
}

type messageWriter struct {
	c      *Conn
	op     gws.OpCode // OpContinuation after the first frame
	comp   bool
	done   bool
	closed bool
}

func (w *messageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errorf("write to a closed message writer")
	}
	if !w.comp {
		if len(p) == 0 {
			return 0, nil
		}
		if err := w.frame(false, p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	d := w.c.deflate
	d.write(p)
	for d.buf.Len() >= scratchPayload {
		if err := w.frame(false, d.buf.Next(scratchPayload)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *messageWriter) frame(fin bool, p []byte) error {
	rsv1 := w.comp && w.op != gws.OpContinuation
	err := w.c.writeFrame(fin, w.op, rsv1, p)
	w.op = gws.OpContinuation
	return err
}

// Close sends the message's final frame.
func (w *messageWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	defer w.c.msgMu.Unlock()
	if w.comp {
		return w.frame(true, w.c.deflate.end())
	}
	return w.frame(true, nil)
}

// writeClose sends a close frame with code (0: none) and reason, once.
func (c *Conn) writeClose(code StatusCode, reason string) error {
	return c.writeFrame(true, gws.OpClose, false, closePayload(code, reason))
}

// writeFrame writes one frame and flushes it.
func (c *Conn) writeFrame(fin bool, op gws.OpCode, rsv1 bool, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	if c.closeSent {
		return errCloseSent
	}
	if op == gws.OpClose {
		c.closeSent = true
	}
	h := gws.Header{Fin: fin, OpCode: op, Length: int64(len(p)), Masked: c.client}
	if rsv1 {
		h.Rsv = gws.Rsv(true, false, false)
	}
	if c.client {
		putRandom(h.Mask[:])
	}
	c.wbusy <- struct{}{} // an abort waits for it to close the transport
	err := c.writeRaw(h, p)
	if err == nil {
		c.sent.Add(int64(len(p)))
		if f, ok := c.t.(interface{ Flush() error }); ok {
			err = f.Flush()
		}
	}
	if err == nil && op == gws.OpClose {
		c.closeOut.Store(true)
	}
	<-c.wbusy
	if err != nil {
		c.werr = err
		// The peer may have closed with a close frame still unread: give
		// the reader a second to find it before the transport goes.
		if _, ok := c.t.(deadliner); ok && op != gws.OpClose {
			if !c.released.Load() {
				c.setReadDeadlineAt(time.Now().Add(time.Second))
			}
		} else {
			c.closeTransport(&CloseError{Code: StatusAbnormalClosure, Err: err})
		}
	}
	return err
}

// writeRaw writes header h and payload p, masking p into scratch memory
// on the client: the caller's slice is never changed.
func (c *Conn) writeRaw(h gws.Header, p []byte) error {
	bp := scratch.Get().(*[]byte)
	defer scratch.Put(bp)
	buf := appendHeader((*bp)[:0], h)
	if !c.client && len(p) > scratchPayload {
		if nc, ok := c.t.(net.Conn); ok { // one writev
			bufs := net.Buffers{buf, p}
			_, err := bufs.WriteTo(nc)
			return err
		}
		if _, err := c.t.Write(buf); err != nil {
			return err
		}
		_, err := c.t.Write(p)
		return err
	}
	off := 0
	for {
		n := min(len(p), scratchPayload)
		chunk := append(buf, p[:n]...)
		if c.client {
			gws.Cipher(chunk[len(buf):], h.Mask, off)
		}
		if _, err := c.t.Write(chunk); err != nil {
			return err
		}
		off += n
		p = p[n:]
		if len(p) == 0 {
			return nil
		}
		buf = buf[:0]
	}
}

// appendHeader appends the wire form of h (RFC 6455 section 5.2), as
// gws.WriteHeader writes it, without going through an io.Writer.
func appendHeader(b []byte, h gws.Header) []byte {
	b0 := h.Rsv<<4 | byte(h.OpCode)
	if h.Fin {
		b0 |= 0x80
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	switch n := h.Length; {
	case n < 126:
		b = append(b, b0, m|byte(n))
	case n <= 0xffff:
		b = append(b, b0, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if h.Masked {
		b = append(b, h.Mask[:]...)
	}
	return b
}

// putRandom fills p from the ChaCha8 generator of math/rand/v2, which is
// unpredictable enough for masking keys and ping payloads (RFC 6455
// section 10.3 asks that keys not be guessable).
func putRandom(p []byte) {
	for i := range p {
		p[i] = byte(rand.Uint32())
	}
}
