package h3

import (
	"fmt"
	"io"

	"github.com/quic-go/quic-go"
)

// readControl reads the client's control stream: SETTINGS first, then
// GOAWAY, MAX_PUSH_ID, CANCEL_PUSH and frames to ignore (RFC 9114 section
// 6.2.1). It returns a connError, or the error that ended the stream.
func (c *conn) readControl(r io.Reader, id quic.StreamID) error {
	fr := &frameReader{r: r}
	if c.qlog != nil {
		fr.traceOn(c, id)
	}
	typ, n, err := fr.header()
	if err != nil {
		return err
	}
	if typ != frameSettings {
		return connErr(ErrMissingSettings, fmt.Sprintf("control stream starts with frame type 0x%x", typ))
	}
	p, err := c.controlPayload(fr, n)
	if err != nil {
		return err
	}
	s, err := parseSettings(p)
	if err != nil {
		return err
	}
	c.peer = s
	close(c.gotSettings)
	var ctl controlState
	for {
		typ, n, err := fr.header()
		if err != nil {
			return err
		}
		switch {
		case typ == frameGoaway || typ == frameMaxPushID || typ == frameCancelPush:
			p, err := c.controlPayload(fr, n)
			if err != nil {
				return err
			}
			if err := ctl.apply(typ, p); err != nil {
				return err
			}
		case typ == frameSettings || typ == frameData || typ == frameHeaders ||
			typ == framePushPromise || isH2Frame(typ):
			return connErr(ErrFrameUnexpected, fmt.Sprintf("frame type 0x%x on the control stream", typ))
		default: // PRIORITY_UPDATE, reserved and unknown types
			fr.ignore(n)
		}
	}
}

func (c *conn) controlPayload(fr *frameReader, n uint64) ([]byte, error) {
	if n > maxControlFrame {
		return nil, connErr(ErrExcessiveLoad, fmt.Sprintf("control frame of %d bytes", n))
	}
	return fr.payload(n)
}

// controlState is what the client's control frames announced. Trio never
// pushes, so push IDs are only checked for consistency.
type controlState struct {
	goaway     uint64 // last GOAWAY id, if sawGoaway
	sawGoaway  bool
	maxPushID  uint64 // if sawMaxPush
	sawMaxPush bool
}

// apply checks one GOAWAY, MAX_PUSH_ID or CANCEL_PUSH payload.
func (s *controlState) apply(typ uint64, p []byte) error {
	id, err := parseVarintPayload(p)
	if err != nil {
		return err
	}
	switch typ {
	case frameGoaway: // RFC 9114 section 5.2: ids must not increase
		if s.sawGoaway && id > s.goaway {
			return connErr(ErrID, fmt.Sprintf("GOAWAY id %d above the previous %d", id, s.goaway))
		}
		s.goaway, s.sawGoaway = id, true
	case frameMaxPushID: // section 7.2.7: must not decrease
		if s.sawMaxPush && id < s.maxPushID {
			return connErr(ErrID, fmt.Sprintf("MAX_PUSH_ID %d below the previous %d", id, s.maxPushID))
		}
		s.maxPushID, s.sawMaxPush = id, true
	case frameCancelPush: // section 7.2.3: beyond MAX_PUSH_ID is an error
		if !s.sawMaxPush || id > s.maxPushID {
			return connErr(ErrID, fmt.Sprintf("CANCEL_PUSH for push %d never allowed", id))
		}
	}
	return nil
}
