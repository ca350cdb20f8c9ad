package h3

import (
	"github.com/quic-go/quic-go/quicvarint"

	"fmt"
)

// Setting identifiers (RFC 9114 section 7.2.4.1, RFC 9204 section 5,
// RFC 9220 section 5, RFC 9297 section 2.1.1).
const (
	settingQPACKMaxTableCapacity = 0x01
	settingMaxFieldSectionSize   = 0x06
	settingQPACKBlockedStreams   = 0x07
	settingEnableConnectProtocol = 0x08
	settingH3Datagram            = 0x33

	// settingGrease is a reserved identifier (0x1f*N+0x21) sent so that
	// clients keep ignoring unknown settings.
	settingGrease = 0x1f*5 + 0x21
)

// maxControlFrame bounds the payload of SETTINGS and other frames on the
// control stream; a client needs a few dozen bytes.
const maxControlFrame = 16 << 10

// peerSettings is what a client's SETTINGS frame says.
type peerSettings struct {
	maxFieldSectionSize uint64 // 0: unlimited
	extendedConnect     bool
	datagram            bool
}

// parseSettings parses a SETTINGS payload: a setting cut short is
// H3_FRAME_ERROR, a repeated or HTTP/2 identifier or a bad value
// H3_SETTINGS_ERROR. Unknown identifiers are ignored.
func parseSettings(p []byte) (peerSettings, error) {
	var s peerSettings
	seen := make(map[uint64]bool)
	for len(p) > 0 {
		id, n, err := quicvarint.Parse(p)
		if err != nil {
			return s, connErr(ErrFrame, "SETTINGS ends inside an identifier")
		}
		val, m, err := quicvarint.Parse(p[n:])
		if err != nil {
			return s, connErr(ErrFrame, "SETTINGS ends inside a value")
		}
		p = p[n+m:]
		if seen[id] {
			return s, connErr(ErrSettings, fmt.Sprintf("setting 0x%x repeated", id))
		}
		seen[id] = true
		switch id {
		case 0x00, 0x02, 0x03, 0x04, 0x05:
			return s, connErr(ErrSettings, fmt.Sprintf("HTTP/2 setting 0x%x", id))
		case settingMaxFieldSectionSize:
			s.maxFieldSectionSize = val
		case settingEnableConnectProtocol, settingH3Datagram:
			if val > 1 {
				return s, connErr(ErrSettings, fmt.Sprintf("setting 0x%x = %d; want 0 or 1", id, val))
			}
			if id == settingH3Datagram {
				s.datagram = val == 1
			} else {
				s.extendedConnect = val == 1
			}
		}
	}
	return s, nil
}

// appendSettingsFrame appends trio's SETTINGS frame: no dynamic QPACK
// table, the field section limit, extended CONNECT, and one GREASE setting.
func appendSettingsFrame(b []byte, maxFieldSection int) []byte {
	var p []byte
	for _, kv := range [][2]uint64{
		{settingQPACKMaxTableCapacity, 0},
		{settingQPACKBlockedStreams, 0},
		{settingMaxFieldSectionSize, uint64(maxFieldSection)},
		{settingEnableConnectProtocol, 1},
		{settingGrease, 0x7a},
	} {
		p = quicvarint.Append(quicvarint.Append(p, kv[0]), kv[1])
	}
	return append(appendFrameHeader(b, frameSettings, len(p)), p...)
}
