package conformance

import (
	"errors"
	"fmt"
	"io"

	"github.com/quic-go/quic-go/quicvarint"
)

// HTTP/3 frame, stream and setting types (RFC 9114 §7.2, §6.2, §7.2.4.1;
// RFC 9220 §3).
const (
	frameData        = 0x00
	frameHeaders     = 0x01
	frameSettings    = 0x04
	frameGoaway      = 0x07
	frameMaxPushID   = 0x0d
	frameH2Ping      = 0x06 // HTTP/2's PING: reserved in HTTP/3
	frameReserved    = 0x21 // 0x1f*N + 0x21: greased, must be ignored
	streamControl    = 0x00
	streamPush       = 0x01
	streamQPACKEnc   = 0x02
	streamQPACKDec   = 0x03
	streamReserved   = 0x21
	settingQPACKCap  = 0x01
	settingH2Push    = 0x02 // HTTP/2's ENABLE_PUSH: reserved in HTTP/3
	settingMaxField  = 0x06
	settingConnect   = 0x08
	settingReserved  = 0x21
	maxControlFrame  = 1 << 16
	maxRequestFrame  = 1 << 20
	errH3NoError     = 0x100
	errH3General     = 0x101
	errH3StreamCreat = 0x103
	errH3ClosedCrit  = 0x104
	errH3FrameUnexp  = 0x105
	errH3FrameError  = 0x106
	errH3IDError     = 0x108
	errH3Settings    = 0x109
	errH3MissingSett = 0x10a
	errH3Message     = 0x10e
	errQPACKDecomp   = 0x200
)

// h3ErrorName names an HTTP/3 or QPACK error code.
func h3ErrorName(code uint64) string {
	names := map[uint64]string{
		0x100: "H3_NO_ERROR", 0x101: "H3_GENERAL_PROTOCOL_ERROR", 0x102: "H3_INTERNAL_ERROR",
		0x103: "H3_STREAM_CREATION_ERROR", 0x104: "H3_CLOSED_CRITICAL_STREAM", 0x105: "H3_FRAME_UNEXPECTED",
		0x106: "H3_FRAME_ERROR", 0x107: "H3_EXCESSIVE_LOAD", 0x108: "H3_ID_ERROR", 0x109: "H3_SETTINGS_ERROR",
		0x10a: "H3_MISSING_SETTINGS", 0x10b: "H3_REQUEST_REJECTED", 0x10c: "H3_REQUEST_CANCELLED",
		0x10d: "H3_REQUEST_INCOMPLETE", 0x10e: "H3_MESSAGE_ERROR", 0x10f: "H3_CONNECT_ERROR",
		0x110: "H3_VERSION_FALLBACK", 0x200: "QPACK_DECOMPRESSION_FAILED", 0x201: "QPACK_ENCODER_STREAM_ERROR",
		0x202: "QPACK_DECODER_STREAM_ERROR",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("error 0x%x", code)
}

// An h3Frame is one HTTP/3 frame.
type h3Frame struct {
	typ     uint64
	payload []byte
}

// appendFrame appends a frame of type typ with payload p.
func appendFrame(b []byte, typ uint64, p []byte) []byte {
	b = quicvarint.Append(b, typ)
	b = quicvarint.Append(b, uint64(len(p)))
	return append(b, p...)
}

// appendSettings appends a SETTINGS frame with the given id, value pairs.
func appendSettings(b []byte, pairs ...uint64) []byte {
	var p []byte
	for _, v := range pairs {
		p = quicvarint.Append(p, v)
	}
	return appendFrame(b, frameSettings, p)
}

var errFrameTooLarge = errors.New("h3 frame larger than the checker accepts")

// readFrame reads one frame whose payload is at most max bytes. A stream
// that ends inside a frame yields io.ErrUnexpectedEOF.
func readFrame(r io.Reader, max int) (h3Frame, error) {
	br := quicvarint.NewReader(r)
	typ, err := quicvarint.Read(br)
	if err != nil {
		return h3Frame{}, err // io.EOF between frames is a clean end
	}
	n, err := quicvarint.Read(br)
	if err != nil {
		return h3Frame{}, noEOF(err)
	}
	if n > uint64(max) {
		return h3Frame{}, fmt.Errorf("frame type 0x%x of %d bytes: %w", typ, n, errFrameTooLarge)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return h3Frame{}, noEOF(err)
	}
	return h3Frame{typ, p}, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseSettings decodes a SETTINGS payload. It rejects a truncated pair and
// a repeated identifier (RFC 9114 §7.2.4).
func parseSettings(p []byte) (map[uint64]uint64, error) {
	s := map[uint64]uint64{}
	for len(p) > 0 {
		id, n, err := quicvarint.Parse(p)
		if err != nil {
			return nil, fmt.Errorf("SETTINGS: truncated identifier")
		}
		p = p[n:]
		v, n, err := quicvarint.Parse(p)
		if err != nil {
			return nil, fmt.Errorf("SETTINGS: setting 0x%x has no value", id)
		}
		p = p[n:]
		if _, dup := s[id]; dup {
			return nil, fmt.Errorf("SETTINGS: setting 0x%x twice", id)
		}
		s[id] = v
	}
	return s, nil
}
