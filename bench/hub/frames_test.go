package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	gws "github.com/gobwas/ws"
)

// frame encodes one server frame as gobwas/ws does: an encoder other than
// the parser's own.
func frame(t testing.TB, fin bool, op gws.OpCode, payload []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gws.WriteFrame(&b, gws.Frame{Header: gws.Header{Fin: fin, OpCode: op, Length: int64(len(payload))}, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFrameReader(t *testing.T) {
	msg := func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) }
	stream := bytes.Join([][]byte{
		frame(t, true, gws.OpBinary, msg(16)),
		frame(t, true, gws.OpText, msg(125)),
		frame(t, true, gws.OpBinary, msg(126)),
		frame(t, true, gws.OpBinary, msg(70000)),
		frame(t, true, gws.OpBinary, nil),
		frame(t, true, gws.OpClose, []byte{3, 232}),
	}, nil)
	want := [][]byte{msg(16), msg(125), msg(126), msg(70000), {}}
	// Every split of the stream into reads of step bytes gives the same
	// messages, then errClosed.
	for _, step := range []int{1, 2, 3, 7, 66, 4096, len(stream)} {
		var (
			fr  frameReader
			got [][]byte
			err error
		)
		for b := stream; len(b) > 0 && err == nil; {
			n := min(step, len(b))
			err = fr.feed(b[:n], func(p []byte) { got = append(got, bytes.Clone(p)) })
			b = b[n:]
		}
		if err != errClosed {
			t.Errorf("step %d: err = %v; want errClosed", step, err)
		}
		if len(got) != len(want) {
			t.Fatalf("step %d: %d messages; want %d", step, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("step %d: message %d of %d bytes; want %d", step, i, len(got[i]), len(want[i]))
			}
		}
	}
}

func TestFrameReaderRefuses(t *testing.T) {
	long := make([]byte, 10)
	long[0], long[1] = 0x82, 127
	binary.BigEndian.PutUint64(long[2:], maxFrame+1)
	masked := frame(t, true, gws.OpBinary, []byte("x"))
	masked[1] |= 0x80
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"masked", masked},
		{"fragment", frame(t, false, gws.OpBinary, []byte("x"))},
		{"continuation", frame(t, true, gws.OpContinuation, []byte("x"))},
		{"ping", frame(t, true, gws.OpPing, nil)},
		{"rsv1", []byte{0xc2, 0}},
		{"opcode 3", []byte{0x83, 0}},
		{"16-bit length under 126", []byte{0x82, 126, 0, 125}},
		{"64-bit length under 65536", []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff}},
		{"too long", long},
		{"long close", frame(t, true, gws.OpClose, make([]byte, 126))},
	} {
		var fr frameReader
		err := fr.feed(tt.b, func([]byte) { t.Errorf("%s: delivered a message", tt.name) })
		if err == nil || err == errClosed {
			t.Errorf("%s: feed(% x) = %v; want an error", tt.name, tt.b[:min(len(tt.b), 12)], err)
		}
	}
}

// FuzzFrameReader: however the bytes are split, feeding them whole or a
// byte at a time gives the same messages and the same outcome, and never
// panics.
func FuzzFrameReader(f *testing.F) {
	f.Add(frame(f, true, gws.OpBinary, make([]byte, 64)))
	f.Add(append(frame(f, true, gws.OpBinary, make([]byte, 300)), frame(f, true, gws.OpClose, nil)...))
	f.Add(frame(f, true, gws.OpText, make([]byte, 70000))[:100])
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		whole, wholeErr := feedAll(b, len(b))
		bytewise, byteErr := feedAll(b, 1)
		if !bytes.Equal(whole, bytewise) || (wholeErr == nil) != (byteErr == nil) || errors.Is(wholeErr, errClosed) != errors.Is(byteErr, errClosed) {
			t.Errorf("whole: %x, %v; byte by byte: %x, %v", whole, wholeErr, bytewise, byteErr)
		}
	})
}

// feedAll feeds b in reads of step bytes until an error, and returns the
// messages' payloads end to end.
func feedAll(b []byte, step int) ([]byte, error) {
	var (
		fr  frameReader
		out []byte
	)
	for len(b) > 0 {
		n := min(step, len(b))
		if err := fr.feed(b[:n], func(p []byte) { out = append(out, p...) }); err != nil {
			return out, err
		}
		b = b[n:]
	}
	return out, nil
}
