package proxy

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/triohttp/trio/ws"
)

// TestReadFrameHeader: lengths in 7, 16 and 64 bits, masks, and the
// headers a relay refuses.
func TestReadFrameHeader(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		op     byte
		fin    bool
		masked bool
		length int64
		err    error
	}{
		{"text 5", []byte{0x81, 5}, 0x1, true, false, 5, nil},
		{"masked binary 300", []byte{0x02, 0x80 | 126, 0x01, 0x2c, 1, 2, 3, 4}, 0x2, false, true, 300, nil},
		{"64-bit", []byte{0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0}, 0x2, true, false, 1 << 32, nil},
		{"close 2", []byte{0x88, 0x82, 9, 9, 9, 9}, opClose, true, true, 2, nil},
		{"top bit of length", []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, 0, false, false, 0, errBadFrame},
		{"long ping", []byte{0x89, 126, 0, 126}, 0, false, false, 0, errBadFrame},
		{"fragmented close", []byte{0x08, 0}, 0, false, false, 0, errBadFrame},
		{"empty", nil, 0, false, false, 0, io.EOF},
		{"cut in length", []byte{0x82, 126, 1}, 0, false, false, 0, io.ErrUnexpectedEOF},
		{"cut in mask", []byte{0x81, 0x85, 1, 2}, 0, false, false, 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		var h frameHeader
		err := readFrameHeader(bytes.NewReader(tt.in), &h)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err = %v; want %v", tt.name, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if h.op != tt.op || h.fin != tt.fin || h.masked != tt.masked || h.length != tt.length {
			t.Errorf("%s: op %d fin %v masked %v length %d; want %d %v %v %d", tt.name, h.op, h.fin, h.masked, h.length, tt.op, tt.fin, tt.masked, tt.length)
		}
		if !bytes.Equal(h.raw[:h.n], tt.in) {
			t.Errorf("%s: raw % x; want % x", tt.name, h.raw[:h.n], tt.in)
		}
	}
}

// TestAppendClose: the relay's own close frames, masked to a backend, read
// back to their code and reason; reasons are cut to fit, on a rune.
func TestAppendClose(t *testing.T) {
	long := string(bytes.Repeat([]byte("é"), 100)) // 200 bytes
	for _, masked := range []bool{false, true} {
		for _, reason := range []string{"", "backend went away", long} {
			b := appendClose(nil, ws.StatusBadGateway, reason, masked)
			var h frameHeader
			r := bytes.NewReader(b)
			if err := readFrameHeader(r, &h); err != nil || h.op != opClose || h.masked != masked {
				t.Fatalf("header %+v, %v", h, err)
			}
			p, _ := io.ReadAll(r)
			if h.masked {
				unmask(p, h.mask)
			}
			code, got := parseClose(p)
			want := reason
			if len(want) > 123 {
				want = want[:122] // 61 runes of 2 bytes
			}
			if code != ws.StatusBadGateway || got != want {
				t.Errorf("masked %v: %d %q; want 1014 %q", masked, code, got, want)
			}
		}
	}
}

// FuzzReadFrameHeader: any input gives a header whose raw bytes are a
// prefix of the input, or an error; never a panic.
func FuzzReadFrameHeader(f *testing.F) {
	f.Add([]byte{0x81, 5})
	f.Add([]byte{0x02, 0x80 | 126, 0x01, 0x2c, 1, 2, 3, 4})
	f.Add([]byte{0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Add([]byte{0x88, 0x82, 9, 9, 9, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		var h frameHeader
		if err := readFrameHeader(bytes.NewReader(in), &h); err != nil {
			return
		}
		if !bytes.HasPrefix(in, h.raw[:h.n]) || h.length < 0 {
			t.Fatalf("header %+v from % x", h, in)
		}
	})
}
