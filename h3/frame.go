package h3

import (
	"errors"
	"io"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/qlogwriter"
	"github.com/quic-go/quic-go/quicvarint"
)

// Frame types (RFC 9114 section 7.2, RFC 9218 section 7.2).
const (
	frameData           = 0x00
	frameHeaders        = 0x01
	frameCancelPush     = 0x03
	frameSettings       = 0x04
	framePushPromise    = 0x05
	frameGoaway         = 0x07
	frameMaxPushID      = 0x0d
	framePriorityUpdate = 0xf0700
)

// isReservedFrame reports a type of the form 0x1f*N+0x21, which carries
// no meaning and must be ignored (RFC 9114 section 7.2.8).
func isReservedFrame(typ uint64) bool { return typ >= 0x21 && (typ-0x21)%0x1f == 0 }

// isH2Frame reports an HTTP/2 frame type with no HTTP/3 equivalent
// (PRIORITY, PING, WINDOW_UPDATE, CONTINUATION): H3_FRAME_UNEXPECTED.
func isH2Frame(typ uint64) bool { return typ == 0x02 || typ == 0x06 || typ == 0x08 || typ == 0x09 }

// errTruncated is a stream that ended inside a frame (RFC 9114 section
// 7.1): H3_FRAME_ERROR.
var errTruncated = errors.New("h3: stream ended inside a frame")

// A frameReader reads HTTP/3 frames from one stream, never past the
// frame header it reads. A frame header cut short by a read error (a
// deadline) is kept and completed on the next call, so reads can be
// retried.
type frameReader struct {
	r    io.Reader
	hdr  [16]byte // a frame header being read: two varints of at most 8 bytes
	hn   int
	skip uint64 // payload bytes of an ignored frame still to discard

	qlog qlogwriter.Recorder // records the frames read; nil if not traced
	id   quic.StreamID       // the stream, for qlog
	typ  uint64              // the last frame's type, for qlog
}

// header returns the next frame's type and payload length. io.EOF means
// the stream ended cleanly between frames; errTruncated that it ended
// inside a frame header or an ignored frame.
func (fr *frameReader) header() (typ, length uint64, err error) {
	if err := fr.discard(); err != nil {
		return 0, 0, err
	}
	for {
		if typ, n, err := quicvarint.Parse(fr.hdr[:fr.hn]); err == nil {
			if length, _, err := quicvarint.Parse(fr.hdr[n:fr.hn]); err == nil {
				fr.hn = 0
				if fr.qlog != nil {
					fr.parsed(typ, length)
				}
				return typ, length, nil
			}
		}
		n, err := fr.r.Read(fr.hdr[fr.hn:fr.headerNeed()])
		fr.hn += n
		if n > 0 {
			continue
		}
		if err == io.EOF && fr.hn > 0 {
			err = errTruncated
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return 0, 0, err
	}
}

// headerNeed is how many bytes of the frame header being read to have
// before parsing again: a varint's first byte gives its length, so a
// header of one-byte varints takes one Read and none takes a byte past
// the header.
func (fr *frameReader) headerNeed() int {
	if fr.hn == 0 {
		return 2 // the type and the length take a byte at least
	}
	typLen := 1 << (fr.hdr[0] >> 6)
	if fr.hn < typLen+1 {
		return typLen + 1
	}
	return typLen + 1<<(fr.hdr[typLen]>>6)
}

// ignore skips the payload of a frame of n bytes on the next header call.
func (fr *frameReader) ignore(n uint64) { fr.skip = n }

func (fr *frameReader) discard() error {
	if fr.skip == 0 {
		return nil
	}
	return fr.discardSlow()
}

func (fr *frameReader) discardSlow() error {
	var buf [512]byte
	for fr.skip > 0 {
		n, err := fr.r.Read(buf[:min(uint64(len(buf)), fr.skip)])
		fr.skip -= uint64(n)
		if fr.skip > 0 && err == io.EOF {
			return errTruncated
		}
		if fr.skip > 0 && err != nil {
			return err
		}
	}
	return nil
}

// payload reads a whole frame payload of n bytes.
func (fr *frameReader) payload(n uint64) ([]byte, error) {
	return fr.payloadInto(nil, n)
}

// payloadInto is payload reading into buf's array if it has room.
func (fr *frameReader) payloadInto(buf []byte, n uint64) ([]byte, error) {
	var p []byte
	if uint64(cap(buf)) >= n {
		p = buf[:n]
	} else {
		p = make([]byte, n)
	}
	if _, err := io.ReadFull(fr.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errTruncated
		}
		return nil, err
	}
	if fr.qlog != nil {
		fr.parsedPayload(p)
	}
	return p, nil
}

// appendFrameHeader appends a frame header of type typ for n payload bytes.
func appendFrameHeader(b []byte, typ uint64, n int) []byte {
	return quicvarint.Append(quicvarint.Append(b, typ), uint64(n))
}

// parseVarintPayload parses a payload that is exactly one varint (GOAWAY,
// MAX_PUSH_ID, CANCEL_PUSH); anything else is H3_FRAME_ERROR.
func parseVarintPayload(p []byte) (uint64, error) {
	v, n, err := quicvarint.Parse(p)
	if err != nil || n != len(p) {
		return 0, connErr(ErrFrame, "frame payload is not one varint")
	}
	return v, nil
}

// appendVarintFrame appends a frame whose payload is one varint.
func appendVarintFrame(b []byte, typ, v uint64) []byte {
	b = appendFrameHeader(b, typ, quicvarint.Len(v))
	return quicvarint.Append(b, v)
}
