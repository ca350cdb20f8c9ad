package h3

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/quic-go/quic-go/quicvarint"
)

// frameSeeds are valid frame sequences: one of each type trio reads.
var frameSeeds = [][]byte{
	appendSettingsFrame(nil, 1<<20),
	appendVarintFrame(nil, frameGoaway, 8),
	appendVarintFrame(nil, frameMaxPushID, 1<<40),
	append(appendFrameHeader(nil, frameData, 5), "hello"...),
	append(appendFrameHeader(nil, frameHeaders, 3), 0, 0, 0xd1),
	append(appendFrameHeader(nil, 0x21+0x1f*3, 6), "grease"...),
	append(appendFrameHeader(appendFrameHeader(nil, frameData, 0), frameData, 2), "ab"...),
}

// readFrames reads frames until the end, parsing the payloads of control
// frames, and returns the types read.
func readFrames(b []byte) ([]uint64, error) {
	fr := &frameReader{r: bytes.NewReader(b)}
	var types []uint64
	for {
		typ, n, err := fr.header()
		if err != nil {
			return types, err
		}
		types = append(types, typ)
		if n > uint64(len(b)) {
			return types, errTruncated // as payload would find
		}
		switch typ {
		case frameSettings:
			p, err := fr.payload(n)
			if err != nil {
				return types, err
			}
			if _, err := parseSettings(p); err != nil {
				return types, err
			}
		case frameGoaway, frameMaxPushID, frameCancelPush:
			p, err := fr.payload(n)
			if err != nil {
				return types, err
			}
			if _, err := parseVarintPayload(p); err != nil {
				return types, err
			}
		default:
			fr.ignore(n)
		}
	}
}

func TestFrameReader(t *testing.T) {
	for _, seed := range frameSeeds {
		if _, err := readFrames(seed); err != io.EOF {
			t.Errorf("readFrames(%x) = %v; want io.EOF", seed, err)
		}
		testFrameTruncations(t, seed)
	}
}

// testFrameTruncations checks that every proper prefix of the valid
// sequence b ends in io.EOF (at a frame boundary) or errTruncated, never
// in success or a panic.
func testFrameTruncations(t *testing.T, b []byte) {
	t.Helper()
	for i := range len(b) {
		_, err := readFrames(b[:i])
		if err != io.EOF && !errors.Is(err, errTruncated) {
			if _, ok := err.(*ConnError); !ok {
				t.Errorf("prefix %x of %x: %v; want io.EOF or a truncation", b[:i], b, err)
			}
		}
	}
}

// A frame header cut by a read error is completed by the next call.
func TestFrameReaderResumes(t *testing.T) {
	b := appendFrameHeader(nil, framePriorityUpdate, 1<<20)
	r := &stutter{b: b}
	fr := &frameReader{r: r}
	for {
		typ, n, err := fr.header()
		if err == errStutter {
			continue
		}
		if err != nil || typ != framePriorityUpdate || n != 1<<20 {
			t.Fatalf("header() = %x, %d, %v; want %x, %d", typ, n, err, framePriorityUpdate, 1<<20)
		}
		return
	}
}

var errStutter = errors.New("every other read fails")

// stutter returns one byte, then an error, and so on.
type stutter struct {
	b    []byte
	fail bool
}

func (s *stutter) Read(p []byte) (int, error) {
	if s.fail = !s.fail; s.fail {
		return 0, errStutter
	}
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	p[0] = s.b[0]
	s.b = s.b[1:]
	return 1, nil
}

func TestParseSettings(t *testing.T) {
	set := func(kv ...uint64) []byte {
		var p []byte
		for _, v := range kv {
			p = quicvarint.Append(p, v)
		}
		return p
	}
	tests := []struct {
		name string
		p    []byte
		want ErrCode // 0: valid
	}{
		{"empty", nil, 0},
		{"trio's own", appendSettingsFrame(nil, 4096)[2:], 0},
		{"reserved id", set(0x21, 7), 0},
		{"unknown id", set(0x4242, 1), 0},
		{"extended connect 1", set(settingEnableConnectProtocol, 1), 0},
		{"extended connect 2", set(settingEnableConnectProtocol, 2), ErrSettings},
		{"datagram 2", set(settingH3Datagram, 2), ErrSettings},
		{"duplicate", set(settingMaxFieldSectionSize, 1, settingMaxFieldSectionSize, 2), ErrSettings},
		{"HTTP/2 0x00", set(0x00, 0), ErrSettings},
		{"HTTP/2 ENABLE_PUSH", set(0x02, 0), ErrSettings},
		{"HTTP/2 MAX_CONCURRENT_STREAMS", set(0x03, 100), ErrSettings},
		{"HTTP/2 INITIAL_WINDOW_SIZE", set(0x04, 1), ErrSettings},
		{"HTTP/2 MAX_FRAME_SIZE", set(0x05, 1), ErrSettings},
		{"id without value", set(settingMaxFieldSectionSize), ErrFrame},
		{"value cut", append(set(settingMaxFieldSectionSize), 0x80), ErrFrame},
		{"id cut", []byte{0x40}, ErrFrame},
	}
	for _, tt := range tests {
		_, err := parseSettings(tt.p)
		var got ErrCode
		if ce, ok := err.(*ConnError); ok {
			got = ce.Code
		} else if err != nil {
			t.Errorf("%s: %v; want a connError", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: parseSettings(%x) = %v; want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestControlState(t *testing.T) {
	tests := []struct {
		name   string
		frames [][2]uint64 // type, id
		want   ErrCode
	}{
		{"goaway decreasing", [][2]uint64{{frameGoaway, 8}, {frameGoaway, 4}, {frameGoaway, 4}}, 0},
		{"goaway increasing", [][2]uint64{{frameGoaway, 4}, {frameGoaway, 8}}, ErrID},
		{"max push id increasing", [][2]uint64{{frameMaxPushID, 1}, {frameMaxPushID, 5}}, 0},
		{"max push id decreasing", [][2]uint64{{frameMaxPushID, 5}, {frameMaxPushID, 1}}, ErrID},
		{"cancel push allowed", [][2]uint64{{frameMaxPushID, 5}, {frameCancelPush, 5}}, 0},
		{"cancel push beyond", [][2]uint64{{frameMaxPushID, 5}, {frameCancelPush, 6}}, ErrID},
		{"cancel push before max", [][2]uint64{{frameCancelPush, 0}}, ErrID},
	}
	for _, tt := range tests {
		var s controlState
		var got ErrCode
		for _, f := range tt.frames {
			if err := s.apply(f[0], quicvarint.Append(nil, f[1])); err != nil {
				got = err.(*ConnError).Code
				break
			}
		}
		if got != tt.want {
			t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
		}
	}
	var s controlState
	if err := s.apply(frameGoaway, []byte{0x04, 0x00}); err == nil || err.(*ConnError).Code != ErrFrame {
		t.Errorf("GOAWAY with a byte after its id: %v; want H3_FRAME_ERROR", err)
	}
}

// FuzzFrameParser reads arbitrary bytes as a stream of frames: no panic,
// and every error is io.EOF, a truncation or a connection error.
func FuzzFrameParser(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add(s)
	}
	f.Add(bytes.Join(frameSeeds, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := readFrames(b)
		if _, ok := err.(*ConnError); !ok && err != io.EOF && !errors.Is(err, errTruncated) {
			t.Fatalf("readFrames(%x) = %v", b, err)
		}
	})
}

// The frame reader takes no byte past a frame header, whatever the
// lengths of its two varints, so the payload stays in the stream for the
// body reader; a header of one-byte varints takes one Read.
func TestFrameReaderStopsAtHeader(t *testing.T) {
	for _, typ := range []uint64{frameHeaders, 0x40, 0x4000, 1 << 30} {
		for _, length := range []uint64{3, 0x40, 0x4000, 1 << 30} {
			hdr := appendFrameHeader(nil, typ, int(length))
			r := &countingReader{r: bytes.NewReader(append(hdr, "payload"...))}
			fr := &frameReader{r: r}
			gotTyp, gotLen, err := fr.header()
			if err != nil || gotTyp != typ || gotLen != length {
				t.Fatalf("header() of %x = %x, %d, %v; want %x, %d", hdr, gotTyp, gotLen, err, typ, length)
			}
			if r.n != len(hdr) {
				t.Errorf("header() of %x read %d bytes; want %d", hdr, r.n, len(hdr))
			}
			if len(hdr) == 2 && r.reads != 1 {
				t.Errorf("header() of %x took %d reads; want 1", hdr, r.reads)
			}
		}
	}
}

// A countingReader counts the bytes and Reads taken from r.
type countingReader struct {
	r        io.Reader
	n, reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	c.reads++
	return n, err
}
