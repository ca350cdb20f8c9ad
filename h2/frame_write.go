package h2

import (
	"encoding/binary"

	"golang.org/x/net/http2"
)

// Protocol constants (RFC 9113 sections 6.5.2 and 6.9).
const (
	frameHeaderLen       = 9
	minMaxFrameSize      = 1 << 14
	maxMaxFrameSize      = 1<<24 - 1
	maxWindow            = 1<<31 - 1
	defaultWindow        = 65535
	settingEnableCONNECT = http2.SettingEnableConnectProtocol
)

// appendFrameHeader appends the 9-byte header of a frame.
func appendFrameHeader(b []byte, length int, t http2.FrameType, flags http2.Flags, id uint32) []byte {
	return append(b, byte(length>>16), byte(length>>8), byte(length), byte(t), byte(flags),
		byte(id>>24)&0x7f, byte(id>>16), byte(id>>8), byte(id))
}

// appendData appends one DATA frame.
func appendData(b []byte, id uint32, p []byte, end bool) []byte {
	var fl http2.Flags
	if end {
		fl = http2.FlagDataEndStream
	}
	b = appendFrameHeader(b, len(p), http2.FrameData, fl, id)
	return append(b, p...)
}

// appendHeaderBlock appends block as a HEADERS frame followed by as many
// CONTINUATION frames as maxFrame requires.
func appendHeaderBlock(b []byte, id uint32, block []byte, end bool, maxFrame int) []byte {
	t := http2.FrameHeaders
	var fl http2.Flags
	if end {
		fl = http2.FlagHeadersEndStream
	}
	for first := true; first || len(block) > 0; first = false {
		n := min(len(block), maxFrame)
		f := fl
		if n == len(block) {
			f |= http2.FlagHeadersEndHeaders
		}
		b = appendFrameHeader(b, n, t, f, id)
		b = append(b, block[:n]...)
		block = block[n:]
		t, fl = http2.FrameContinuation, 0
	}
	return b
}

func appendRSTStream(b []byte, id uint32, code ErrCode) []byte {
	b = appendFrameHeader(b, 4, http2.FrameRSTStream, 0, id)
	return binary.BigEndian.AppendUint32(b, uint32(code))
}

func appendWindowUpdate(b []byte, id uint32, incr uint32) []byte {
	b = appendFrameHeader(b, 4, http2.FrameWindowUpdate, 0, id)
	return binary.BigEndian.AppendUint32(b, incr&0x7fffffff)
}

func appendPing(b []byte, ack bool, data [8]byte) []byte {
	var fl http2.Flags
	if ack {
		fl = http2.FlagPingAck
	}
	b = appendFrameHeader(b, 8, http2.FramePing, fl, 0)
	return append(b, data[:]...)
}

func appendGoAway(b []byte, lastID uint32, code ErrCode, debug string) []byte {
	b = appendFrameHeader(b, 8+len(debug), http2.FrameGoAway, 0, 0)
	b = binary.BigEndian.AppendUint32(b, lastID&0x7fffffff)
	b = binary.BigEndian.AppendUint32(b, uint32(code))
	return append(b, debug...)
}

func appendSettings(b []byte, ss ...http2.Setting) []byte {
	b = appendFrameHeader(b, 6*len(ss), http2.FrameSettings, 0, 0)
	for _, s := range ss {
		b = binary.BigEndian.AppendUint16(b, uint16(s.ID))
		b = binary.BigEndian.AppendUint32(b, s.Val)
	}
	return b
}

func appendSettingsAck(b []byte) []byte {
	return appendFrameHeader(b, 0, http2.FrameSettings, http2.FlagSettingsAck, 0)
}
