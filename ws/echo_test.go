package ws_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

var echoSizes = []int{0, 125, 126, 65535, 65536, 1 << 20}

// payload is n bytes of valid UTF-8 text or random binary.
func payload(typ ws.MessageType, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range b {
		if typ == ws.MessageText {
			b[i] = byte('a' + r.IntN(26))
		} else {
			b[i] = byte(r.Uint32())
		}
	}
	if typ == ws.MessageText && n >= 8 {
		copy(b[n/2:], "héllo") // some multi-byte characters
	}
	return b
}

func TestEcho(t *testing.T) { run(t, testEcho) }

func testEcho(t *testing.T, m triotest.Mode) {
	for _, comp := range []ws.CompressionMode{ws.CompressionDisabled, ws.CompressionContextTakeover, ws.CompressionNoContextTakeover} {
		ts := triotest.New(t, m, echo(&ws.AcceptOptions{Compression: comp, ReadLimit: 2 << 20}))
		c := dial(t, ts, "/echo", &ws.DialOptions{Compression: comp, ReadLimit: 2 << 20})
		if got, want := c.Compressed(), comp != ws.CompressionDisabled; got != want {
			t.Fatalf("Compressed() = %v; want %v", got, want)
		}
		if c.Proto() != m.Proto() {
			t.Errorf("Proto() = %q; want %q", c.Proto(), m.Proto())
		}
		for _, typ := range []ws.MessageType{ws.MessageText, ws.MessageBinary} {
			for _, n := range echoSizes {
				for _, frag := range []bool{false, true} {
					name := fmt.Sprintf("compression=%d/%v/%d/fragmented=%v", comp, typ, n, frag)
					want := payload(typ, n)
					if frag {
						w, err := c.NextWriter(typ)
						if err != nil {
							t.Fatalf("%s: NextWriter: %v", name, err)
						}
						for p := want; len(p) > 0; {
							k := min(len(p), 1+len(p)/3)
							if _, err := w.Write(p[:k]); err != nil {
								t.Fatalf("%s: Write: %v", name, err)
							}
							p = p[k:]
						}
						if err := w.Close(); err != nil {
							t.Fatalf("%s: Close: %v", name, err)
						}
					} else if err := c.WriteMessage(typ, want); err != nil {
						t.Fatalf("%s: WriteMessage: %v", name, err)
					}
					gotTyp, r, err := c.NextReader()
					if err != nil {
						t.Fatalf("%s: NextReader: %v", name, err)
					}
					got, err := io.ReadAll(r)
					if err != nil {
						t.Fatalf("%s: reading: %v", name, err)
					}
					if gotTyp != typ || !bytes.Equal(got, want) {
						t.Fatalf("%s: echo = %v %d bytes; want %v %d bytes", name, gotTyp, len(got), typ, len(want))
					}
				}
			}
		}
		if err := c.Close(ws.StatusNormalClosure, "bye"); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}
