package conformance

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// wsRawCases send frames that break RFC 6455 over an HTTP/1.1 Upgrade the
// checker performs itself. The server must fail the connection: a Close
// frame with the right code, or closing outright.
func wsRawCases() []testCase {
	cases := []struct {
		id, section, expect string
		frame               []byte
		code                uint16
	}{
		{"unmasked", "RFC 6455 §5.1", "an unmasked client frame fails the connection (1002)",
			wsFrame(0x81, false, []byte("hi")), 1002},
		{"reserved-opcode", "RFC 6455 §5.2", "reserved opcode 0x3 fails the connection (1002)",
			wsFrame(0x83, true, []byte("hi")), 1002},
		{"rsv1-without-extension", "RFC 6455 §5.2", "RSV1 set with no extension negotiated fails the connection (1002)",
			wsFrame(0xc1, true, []byte("hi")), 1002},
		{"fragmented-ping", "RFC 6455 §5.5", "a Ping without FIN fails the connection (1002)",
			wsFrame(0x09, true, []byte("hi")), 1002},
		{"long-ping", "RFC 6455 §5.5", "a Ping with 126 bytes of payload fails the connection (1002)",
			wsFrame(0x89, true, make([]byte, 126)), 1002},
		{"invalid-utf8", "RFC 6455 §8.1", "a text message that is not UTF-8 fails the connection (1007)",
			wsFrame(0x81, true, []byte{0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xed, 0xa0, 0x80}), 1007},
		{"continuation-first", "RFC 6455 §5.4", "a continuation frame with no message to continue fails the connection (1002)",
			wsFrame(0x80, true, []byte("hi")), 1002},
	}
	var out []testCase
	for _, c := range cases {
		out = append(out, testCase{"ws/h1/" + c.id, c.section, c.expect, wsViolation(c.frame, c.code)})
	}
	return out
}

// wsFrame builds one frame with first byte b0 (FIN, RSV, opcode), masked
// when mask is set.
func wsFrame(b0 byte, mask bool, payload []byte) []byte {
	f := []byte{b0}
	m := byte(0)
	if mask {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		f = append(f, m|byte(n))
	case n <= 0xffff:
		f = append(f, m|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, m|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	if !mask {
		return append(f, payload...)
	}
	key := []byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// wsUpgrade performs an HTTP/1.1 WebSocket handshake on a raw connection.
func (t *target) wsUpgrade(ctx context.Context) (*h1Conn, string, bool) {
	c, err := t.dialH1(ctx)
	if err != nil {
		return nil, err.Error(), false
	}
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	path := t.path
	if t.opts.WSPath != "" {
		path = t.opts.WSPath
	}
	raw := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		path, t.authority(), k)
	if err := c.send(raw); err != nil {
		c.Close()
		return nil, err.Error(), false
	}
	resp, err := c.read("GET")
	if err != nil {
		c.Close()
		return nil, err.Error(), false
	}
	if resp.StatusCode != 101 {
		c.Close()
		return nil, fmt.Sprintf("no WebSocket at %s: %s", path, resp.Status), true
	}
	sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		c.Close()
		return nil, fmt.Sprintf("Sec-WebSocket-Accept %q; want %q", got, want), false
	}
	return c, "", false
}

func wsViolation(frame []byte, code uint16) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, why, skipIt := t.wsUpgrade(ctx)
		if c == nil {
			if skipIt {
				return skip("%s", why)
			}
			return fail("handshake: %s", why)
		}
		defer c.Close()
		if err := c.send(string(frame)); err != nil {
			return fail("sending the frame: %v", err)
		}
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		for {
			var h [2]byte
			if _, err := io.ReadFull(c.br, h[:]); err != nil {
				if isTimeout(err) {
					return fail("connection still open after 3s")
				}
				return pass("connection closed without a Close frame")
			}
			n := int(h[1] & 0x7f)
			switch n {
			case 126:
				var b [2]byte
				io.ReadFull(c.br, b[:])
				n = int(binary.BigEndian.Uint16(b[:]))
			case 127:
				var b [8]byte
				io.ReadFull(c.br, b[:])
				n = int(min(binary.BigEndian.Uint64(b[:]), 1<<20))
			}
			p := make([]byte, n)
			if _, err := io.ReadFull(c.br, p); err != nil {
				return fail("a truncated frame: %v", err)
			}
			if h[0]&0x0f != 0x8 {
				return fail("the server answered with a frame of opcode 0x%x, not Close", h[0]&0x0f)
			}
			if len(p) < 2 {
				return fail("Close frame without a status code; want %d", code)
			}
			if got := binary.BigEndian.Uint16(p); got != code {
				return fail("Close %d %q; want %d", got, p[2:], code)
			}
			return pass("Close %d %q", code, p[2:])
		}
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
