package proxy

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/triohttp/trio/ws"
)

// WebSocket opcodes the relay looks at (RFC 6455 section 5.2).
const (
	opClose = 0x8
	opPing  = 0x9
)

// maxHeader is the longest frame header: 2 bytes, 8 of length, 4 of mask.
const maxHeader = 14

// A frameHeader is a frame's header as read: raw holds its bytes, which
// the relay forwards unchanged.
type frameHeader struct {
	raw    [maxHeader]byte
	n      int // bytes of raw used
	fin    bool
	op     byte
	masked bool
	mask   [4]byte
	length int64
}

var errBadFrame = errors.New("proxy: websocket: malformed frame header")

// readFrameHeader reads one frame header from r. Control frames longer
// than 125 bytes or fragmented, and lengths with the top bit set, are
// malformed (RFC 6455 sections 5.2 and 5.5).
func readFrameHeader(r io.Reader, h *frameHeader) error {
	if _, err := io.ReadFull(r, h.raw[:2]); err != nil {
		return err
	}
	b0, b1 := h.raw[0], h.raw[1]
	h.fin, h.op, h.masked = b0&0x80 != 0, b0&0x0f, b1&0x80 != 0
	h.n = 2
	ext := 0
	switch l := b1 & 0x7f; l {
	case 126:
		ext = 2
	case 127:
		ext = 8
	default:
		h.length = int64(l)
	}
	more := ext
	if h.masked {
		more += 4
	}
	if _, err := io.ReadFull(r, h.raw[2:2+more]); err != nil {
		return unexpected(err)
	}
	h.n += more
	switch ext {
	case 2:
		h.length = int64(binary.BigEndian.Uint16(h.raw[2:]))
	case 8:
		l := binary.BigEndian.Uint64(h.raw[2:])
		if l>>63 != 0 {
			return errBadFrame
		}
		h.length = int64(l)
	}
	if h.masked {
		copy(h.mask[:], h.raw[2+ext:])
	}
	if h.op >= opClose && (h.length > 125 || !h.fin) {
		return errBadFrame
	}
	return nil
}

// unexpected turns io.EOF within a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// unmask XORs p with key, p being the bytes of the payload from offset 0.
func unmask(p []byte, key [4]byte) {
	for i := range p {
		p[i] ^= key[i&3]
	}
}

// parseClose reads the code and reason of a close frame's unmasked
// payload: 1005 (no status) for an empty one.
func parseClose(p []byte) (ws.StatusCode, string) {
	if len(p) < 2 {
		return ws.StatusNoStatusReceived, ""
	}
	return ws.StatusCode(binary.BigEndian.Uint16(p)), string(p[2:])
}

// appendClose appends a close frame with code and reason (cut to fit 125
// bytes), masked with a random key if masked: frames to a backend come
// from the relay as its client (RFC 6455 section 5.3).
func appendClose(b []byte, code ws.StatusCode, reason string, masked bool) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	n := 2 + len(reason)
	b = append(b, 0x80|opClose, byte(n))
	var key [4]byte
	if masked {
		b[len(b)-1] |= 0x80
		binary.LittleEndian.PutUint32(key[:], rand.Uint32())
		b = append(b, key[:]...)
	}
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	b = append(b, reason...)
	if masked {
		unmask(b[start:], key)
	}
	return b
}
