package h3

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/quicvarint"
)

// Unidirectional stream types (RFC 9114 section 6.2, RFC 9204 section 4.2).
const (
	streamControl      = 0x00
	streamPush         = 0x01
	streamQPACKEncoder = 0x02
	streamQPACKDecoder = 0x03
)

// acceptUni serves the client's unidirectional streams until the
// connection closes.
func (c *conn) acceptUni() {
	for {
		str, err := c.qc.AcceptUniStream(c.qc.Context())
		if err != nil {
			return
		}
		go c.serveUni(str)
	}
}

// serveUni reads one unidirectional stream by its type. Control and QPACK
// streams are critical: one of each, never closed. Push streams may only
// come from a server; other types are ignored (RFC 9114 section 6.2.3).
func (c *conn) serveUni(str *quic.ReceiveStream) {
	br := bufio.NewReaderSize(str, 64)
	typ, err := quicvarint.Read(br)
	if err != nil {
		return // reset or closed before its type: nothing to serve
	}
	if c.qlog != nil {
		c.qlogStreamType(str.StreamID(), typ, false)
	}
	switch typ {
	case streamControl:
		err = c.critical(&c.gotCtrl, "control", func() error { return c.readControl(br, str.StreamID()) })
	case streamQPACKEncoder:
		err = c.critical(&c.gotEnc, "QPACK encoder", func() error { return readQPACKEncoder(br) })
	case streamQPACKDecoder:
		err = c.critical(&c.gotDec, "QPACK decoder", func() error { return readQPACKDecoder(br) })
	case streamPush:
		err = connErr(ErrStreamCreation, "push stream from a client")
	default:
		str.CancelRead(quic.StreamErrorCode(ErrStreamCreation))
		return
	}
	c.fail(err)
}

// critical runs read for the first stream of a critical type and turns
// its end into H3_CLOSED_CRITICAL_STREAM; a second stream of the type is
// H3_STREAM_CREATION_ERROR.
func (c *conn) critical(got *atomic.Bool, name string, read func() error) error {
	if !got.CompareAndSwap(false, true) {
		return connErr(ErrStreamCreation, fmt.Sprintf("second %s stream", name))
	}
	err := read()
	var se *quic.StreamError
	if err == io.EOF || errors.Is(err, errTruncated) || errors.As(err, &se) {
		return connErr(ErrClosedCriticalStream, fmt.Sprintf("%s stream closed", name))
	}
	return err
}

// readQPACKEncoder reads the client's encoder instructions (RFC 9204
// section 4.3). With a dynamic table capacity of 0 the only valid one is
// Set Dynamic Table Capacity 0.
func readQPACKEncoder(br io.ByteReader) error {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		if b&0xe0 != 0x20 {
			return connErr(ErrQPACKEncoderStream, "insert into a dynamic table of capacity 0")
		}
		capacity, err := readPrefixInt(b, 5, br)
		if err != nil {
			return err
		}
		if capacity > 0 {
			return connErr(ErrQPACKEncoderStream, fmt.Sprintf("dynamic table capacity %d above the 0 allowed", capacity))
		}
	}
}

// readQPACKDecoder reads the client's decoder instructions (RFC 9204
// section 4.4). Trio never references the dynamic table, so only Stream
// Cancellation is valid.
func readQPACKDecoder(br io.ByteReader) error {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		if b&0xc0 != 0x40 {
			return connErr(ErrQPACKDecoderStream, "acknowledgment or increment without a dynamic table")
		}
		if _, err := readPrefixInt(b, 6, br); err != nil {
			return err
		}
	}
}

// readPrefixInt reads a QPACK/HPACK prefixed integer whose first byte
// (already read) holds n bits of it (RFC 7541 section 5.1).
func readPrefixInt(first byte, n uint8, br io.ByteReader) (uint64, error) {
	limit := uint64(1)<<n - 1
	v := uint64(first) & limit
	if v < limit {
		return v, nil
	}
	for shift := uint(0); ; shift += 7 {
		b, err := br.ReadByte()
		if err == io.EOF {
			return 0, errTruncated
		}
		if err != nil {
			return 0, err
		}
		if shift > 56 {
			return 0, connErr(ErrQPACKEncoderStream, "integer overflow")
		}
		v += uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v, nil
		}
	}
}
