package ws

import (
	"bytes"
	"errors"
	"io"
	"net"
	"time"

	gws "github.com/gobwas/ws"
)

// NextReader waits for the next data message and returns its type and a
// reader of its payload, which stays valid until the next call. Control
// frames that arrive first are handled. Unread parts of the previous
// message are discarded. Errors are final: a *CloseError says how the
// connection ended.
func (c *Conn) NextReader() (MessageType, io.Reader, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.skipMessage(); err != nil {
		return 0, nil, err
	}
	if err := c.nextDataFrame(); err != nil {
		return 0, nil, err
	}
	c.msgReady = true
	return c.msgType, &c.cur, nil
}

// ReadMessage reads the next data message whole.
func (c *Conn) ReadMessage() (MessageType, []byte, error) {
	typ, r, err := c.NextReader()
	if err != nil {
		return 0, nil, err
	}
	var buf bytes.Buffer
	if c.frame.Fin && !c.msgComp && c.remain < 1<<20 {
		buf.Grow(int(c.remain)) // single frame: its exact size
	}
	_, err = buf.ReadFrom(r)
	if err != nil {
		return 0, nil, err
	}
	return typ, buf.Bytes(), nil
}

// A messageReader reads the payload of the current message.
type messageReader struct{ c *Conn }

func (m *messageReader) Read(p []byte) (int, error) {
	c := m.c
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.msgReady {
		if c.rerr != nil {
			return 0, c.rerr
		}
		return 0, io.EOF
	}
	return c.readMessage(p)
}

// skipMessage discards the rest of a message NextReader returned.
func (c *Conn) skipMessage() error {
	var buf [512]byte
	for c.msgReady && c.rerr == nil {
		if _, err := c.readMessage(buf[:]); err == io.EOF {
			break
		}
	}
	return c.rerr
}

// discardMessage reads and drops one message; the close handshake uses it.
func (c *Conn) discardMessage() (int64, error) {
	if err := c.skipMessage(); err != nil {
		return 0, err
	}
	if err := c.nextDataFrame(); err != nil {
		return 0, err
	}
	c.msgReady = true
	var n int64
	var buf [512]byte
	for {
		k, err := c.readMessage(buf[:])
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// readMessage reads decoded payload of the current message, checking the
// size limit and, for text, UTF-8.
func (c *Conn) readMessage(p []byte) (n int, err error) {
	if c.msgComp {
		n, err = c.inflate.read(p)
	} else {
		n, err = c.readPayload(p)
	}
	if c.rerr != nil {
		return n, c.rerr
	}
	c.msgSize += int64(n)
	if c.msgSize > c.readLimit.Load() {
		return n, c.fail(StatusMessageTooBig, errorf("message exceeds the read limit of %d bytes", c.readLimit.Load()))
	}
	if c.msgType == MessageText && !c.utf8.write(p[:n]) {
		return n, c.fail(StatusInvalidPayload, errorf("text message is not valid UTF-8"))
	}
	if err == io.EOF {
		c.msgReady = false
		if c.msgType == MessageText && !c.utf8.done() {
			return n, c.fail(StatusInvalidPayload, errorf("text message ends inside a UTF-8 character"))
		}
		if c.msgComp {
			c.inflate.finish()
		}
	} else if err != nil && c.rerr == nil {
		return n, c.fail(StatusInvalidPayload, errorf("inflating message: %w", err))
	}
	return n, err
}

// readPayload reads raw (unmasked) payload of the current message across
// its frames, handling control frames between them; io.EOF at its end.
func (c *Conn) readPayload(p []byte) (int, error) {
	for c.remain == 0 {
		if c.frame.Fin {
			c.inMsg = false
			return 0, io.EOF
		}
		if err := c.nextDataFrame(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.in.Read(p)
	if c.frame.Masked {
		gws.Cipher(p[:n], c.frame.Mask, c.maskPos)
		c.maskPos += n
	}
	c.remain -= int64(n)
	if err != nil {
		return n, c.lost(err)
	}
	return n, nil
}

// nextDataFrame reads frame headers until a data frame (the start of a
// message, or its next fragment), handling the control frames before it.
func (c *Conn) nextDataFrame() error {
	for {
		if c.rerr != nil {
			return c.rerr
		}
		if !c.inMsg {
			c.in.idle() // between messages: wait for the next without a buffer
		}
		h, err := gws.ReadHeaderBuffer(&c.in, c.hdrBuf[:2:12])
		if err != nil {
			if errors.Is(err, gws.ErrHeaderLengthMSB) || errors.Is(err, gws.ErrHeaderLengthUnexpected) {
				return c.fail(StatusProtocolError, errorf("frame header: %w", err))
			}
			return c.lost(err)
		}
		if err := c.checkHeader(h); err != nil {
			return err
		}
		if h.OpCode.IsControl() {
			if err := c.control(h); err != nil {
				return err
			}
			continue
		}
		c.frame, c.remain, c.maskPos = h, h.Length, 0
		c.msgRaw += h.Length
		if h.OpCode != gws.OpContinuation {
			c.inMsg, c.msgType, c.msgComp = true, MessageType(h.OpCode), h.Rsv1()
			c.msgRaw, c.msgSize = h.Length, 0
			if c.msgComp {
				c.inflate.start(c)
			}
		}
		if c.msgRaw > c.readLimit.Load() {
			return c.fail(StatusMessageTooBig, errorf("message exceeds the read limit of %d bytes", c.readLimit.Load()))
		}
		return nil
	}
}

// checkHeader applies RFC 6455 section 5 and RFC 7692 to a frame header:
// masking, reserved bits and opcodes, control frame limits and the order
// of fragments. Violations close with 1002.
func (c *Conn) checkHeader(h gws.Header) error {
	state := gws.StateServerSide
	if c.client {
		state = gws.StateClientSide
	}
	if c.inMsg {
		state = state.Set(gws.StateFragmented)
	}
	if c.inflate != nil {
		state = state.Set(gws.StateExtended)
	}
	if err := gws.CheckHeader(h, state); err != nil {
		return c.fail(StatusProtocolError, errorf("%w", err))
	}
	switch {
	case h.Rsv&0b011 != 0:
		return c.fail(StatusProtocolError, errorf("reserved bits RSV2 or RSV3 set"))
	case h.Rsv1() && (h.OpCode.IsControl() || h.OpCode == gws.OpContinuation):
		return c.fail(StatusProtocolError, errorf("RSV1 set on a control or continuation frame"))
	}
	return nil
}

// control handles a ping, pong or close frame.
func (c *Conn) control(h gws.Header) error {
	p := make([]byte, h.Length) // at most 125 bytes; control frames are rare, a Conn keeps no room for one
	if _, err := io.ReadFull(&c.in, p); err != nil {
		return c.lost(err)
	}
	if h.Masked {
		gws.Cipher(p, h.Mask, 0)
	}
	switch h.OpCode {
	case gws.OpPing:
		err := c.writeFrame(true, gws.OpPong, false, p)
		if err != nil && !errors.Is(err, errCloseSent) {
			return c.lost(err)
		}
	case gws.OpPong:
		c.gotPong(p)
	case gws.OpClose:
		code, reason, failCode, err := parseClose(p)
		if err != nil {
			return c.fail(failCode, err)
		}
		reply := code
		if code == StatusNoStatusReceived {
			reply = 0
		}
		c.wmu.Lock()
		replying := !c.closeSent
		c.wmu.Unlock()
		c.sendClose(reply, "") // echoes the code unless we closed first
		ce := &CloseError{Code: code, Reason: reason, Remote: true}
		c.rerr = ce
		c.endRead()
		if c.client && replying {
			c.awaitServerEnd(ce)
		}
		c.closeTransport(ce)
		return c.rerr
	}
	return nil
}

// fail fails the connection (RFC 6455 section 7.1.7): it sends a close
// frame with code, closes the transport and makes err the read error.
func (c *Conn) fail(code StatusCode, err error) error {
	if c.rerr != nil {
		return c.rerr
	}
	ce := &CloseError{Code: code, Err: err}
	c.rerr = ce
	c.endRead()
	c.sendClose(code, err.Error())
	c.linger()
	c.closeTransport(ce)
	return ce
}

// lost records a transport read error: the connection ended without a
// close frame (1006), or the deadline passed. Either way the transport is
// aborted: a peer that sends nothing more may not read either.
func (c *Conn) lost(err error) error {
	if c.rerr != nil {
		return c.rerr
	}
	if e := c.closeErr.Load(); e != nil && e.Code != StatusAbnormalClosure {
		c.rerr = e // closed by Close or fail while we were reading
	} else {
		c.rerr = &CloseError{Code: StatusAbnormalClosure, Err: err}
	}
	c.endRead()
	c.abort(c.rerr.(*CloseError))
	return c.rerr
}

func (c *Conn) endRead() {
	c.msgReady = false
	c.in.release()
	c.recvOnce.Do(func() { close(c.closeRecv) })
}

// awaitServerEnd waits up to a second for the server to end the
// connection once a client answered its close frame, as RFC 6455 section
// 7.1.1 asks: over HTTP/2 and HTTP/3, closing first would reset the
// stream, and the reset could overtake the answer, which the server would
// then never see.
func (c *Conn) awaitServerEnd(why *CloseError) {
	t := time.AfterFunc(time.Second, func() { c.closeTransport(why) })
	defer t.Stop()
	io.Copy(io.Discard, io.LimitReader(&c.in, 1<<20))
}

// linger half-closes a TCP or TLS transport and reads what the peer still
// sends, for up to a second, so that closing does not reset the
// connection and destroy the close frame before the peer reads it.
func (c *Conn) linger() {
	nc, ok := c.t.(interface {
		net.Conn
		CloseWrite() error
	})
	if !ok {
		return
	}
	nc.CloseWrite()
	nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(&c.in, 1<<20))
}
