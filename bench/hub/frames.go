package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// errClosed is what feed returns once the server's close frame arrived.
var errClosed = errors.New("close frame received")

// A frameReader splits the bytes one WebSocket connection's server sent
// into frames (RFC 6455 section 5.2): the lean load clients' parser, which
// allocates nothing while reads hold whole frames, as they do here (the
// server writes each message as one small frame in one write). The bench
// server sends unfragmented binary messages, unmasked, no pings and no
// extensions: anything else is an error, so a change on the server side
// cannot pass unseen.
type frameReader struct {
	pending []byte // the start of a frame an earlier read ended inside
}

// maxFrame bounds a frame the client accepts: -size is far smaller.
const maxFrame = 1 << 20

// feed parses b, the bytes just read, after the pending ones, calling data
// with each message's payload (valid only during the call). It returns
// errClosed after a close frame, or an error for a frame the bench server
// never sends. feed keeps no reference to b.
func (fr *frameReader) feed(b []byte, data func(payload []byte)) error {
	if len(fr.pending) > 0 {
		fr.pending = append(fr.pending, b...)
		b = fr.pending
	}
	for len(b) > 0 {
		n, payload, op, err := parseFrame(b)
		if err != nil {
			fr.pending = fr.pending[:0]
			return err
		}
		if n == 0 { // incomplete: keep it for the next read
			break
		}
		switch op {
		case opBinary, opText:
			data(payload)
		case opClose:
			fr.pending = fr.pending[:0]
			return errClosed
		}
		b = b[n:]
	}
	if len(b) == 0 {
		fr.pending = fr.pending[:0]
		return nil
	}
	// b may alias fr.pending: copy forward, then trim.
	fr.pending = append(fr.pending[:0], b...)
	return nil
}

const (
	opText   = 1
	opBinary = 2
	opClose  = 8
)

// parseFrame parses the frame at the start of b: it returns its length n
// (0 if b holds only part of it), its payload and opcode.
func parseFrame(b []byte) (n int, payload []byte, op byte, err error) {
	if len(b) < 2 {
		return 0, nil, 0, nil
	}
	fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0f
	if b[1]&0x80 != 0 {
		return 0, nil, 0, errors.New("masked frame from the server")
	}
	switch {
	case rsv != 0:
		return 0, nil, 0, fmt.Errorf("reserved bits %#x set", rsv>>4)
	case !fin:
		return 0, nil, 0, errors.New("fragmented message: the bench server sends whole frames")
	case op != opText && op != opBinary && op != opClose:
		return 0, nil, 0, fmt.Errorf("opcode %#x: the bench server sends binary messages and close", op)
	}
	size, hdr := uint64(b[1]&0x7f), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return 0, nil, 0, nil
		}
		size, hdr = uint64(binary.BigEndian.Uint16(b[2:])), 4
		if size < 126 {
			return 0, nil, 0, errors.New("length not in its shortest form")
		}
	case 127:
		if len(b) < 10 {
			return 0, nil, 0, nil
		}
		size, hdr = binary.BigEndian.Uint64(b[2:]), 10
		if size <= 0xffff {
			return 0, nil, 0, errors.New("length not in its shortest form")
		}
	}
	switch {
	case size > maxFrame:
		return 0, nil, 0, fmt.Errorf("frame of %d bytes; at most %d", size, maxFrame)
	case op == opClose && size > 125:
		return 0, nil, 0, errors.New("close frame longer than 125 bytes")
	case uint64(len(b)-hdr) < size:
		return 0, nil, 0, nil
	}
	n = hdr + int(size)
	return n, b[hdr:n], op, nil
}
