package ws

import (
	"bytes"
	"io"
	"slices"
	"strconv"
	"testing"
	"testing/iotest"

	gws "github.com/gobwas/ws"
)

// clientFrames encodes msgs as masked client frames, each message split
// into fragments of at most frag bytes, followed by a close frame: the
// frames of each message and the close frame are one slice each.
func clientFrames(msgs [][]byte, frag int) [][]byte {
	var out [][]byte
	for _, m := range msgs {
		var b []byte
		op := gws.OpBinary
		for first := true; first || len(m) > 0; first = false {
			p := m[:min(frag, len(m))]
			m = m[len(p):]
			h := gws.Header{Fin: len(m) == 0, OpCode: op, Length: int64(len(p)), Masked: true, Mask: [4]byte{1, 2, 3, 4}}
			q := bytes.Clone(p)
			gws.Cipher(q, h.Mask, 0)
			b = append(appendHeader(b, h), q...)
			op = gws.OpContinuation
		}
		out = append(out, b)
	}
	return append(out, []byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}) // close 1000
}

// A chunksReader returns one chunk per read, or what of it fits.
type chunksReader struct{ chunks [][]byte }

func (r *chunksReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	if r.chunks[0] = r.chunks[0][n:]; len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// A watchedTransport reads from r and records, for every read, its size
// and whether the Conn held a pooled read buffer then.
type watchedTransport struct {
	r     io.Reader
	c     *Conn
	reads []watchedRead
}

type watchedRead struct {
	size   int
	pooled bool
}

func (w *watchedTransport) Read(p []byte) (int, error) {
	w.reads = append(w.reads, watchedRead{len(p), w.c.in.pooled != nil})
	return w.r.Read(p)
}
func (*watchedTransport) Write(p []byte) (int, error) { return len(p), nil }
func (*watchedTransport) Close() error                { return nil }

// TestFrameReaderIdle reads messages of every size class, whole and
// fragmented, through transports that return them in pieces, after bytes
// handed over by the handshake: the messages come out as sent, and every
// read into the 16-byte array happens with no pooled buffer held. When
// each message arrives in reads of its own (as in TLS records), each is
// waited for with that array; one byte at a time, at least one is.
func TestFrameReaderIdle(t *testing.T) {
	var msgs [][]byte
	for _, n := range []int{0, 1, 13, 125, 126, 4095, 4096, 5000, 70000} {
		m := make([]byte, n)
		for i := range m {
			m[i] = byte(i*7 + n)
		}
		msgs = append(msgs, m)
	}
	readers := map[string]func(r io.Reader, chunks [][]byte) io.Reader{
		"whole":       func(r io.Reader, _ [][]byte) io.Reader { return r },
		"one byte":    func(r io.Reader, _ [][]byte) io.Reader { return iotest.OneByteReader(r) },
		"half":        func(r io.Reader, _ [][]byte) io.Reader { return iotest.HalfReader(r) },
		"data+EOF":    func(r io.Reader, _ [][]byte) io.Reader { return iotest.DataErrReader(r) },
		"per message": func(_ io.Reader, chunks [][]byte) io.Reader { return &chunksReader{chunks} },
	}
	for _, frag := range []int{1 << 20, 1000} {
		perMsg := clientFrames(msgs, frag)
		wire := bytes.Join(perMsg, nil)
		for name, wrap := range readers {
			for _, handed := range []int{0, 1, 20} {
				if name == "per message" && handed > 0 {
					continue // the chunks start at message boundaries
				}
				var chunks [][]byte
				for _, b := range perMsg {
					chunks = append(chunks, bytes.Clone(b))
				}
				wt := &watchedTransport{r: wrap(bytes.NewReader(wire[handed:]), chunks)}
				c := newConn(wt, bytes.Clone(wire[:handed]), false, "HTTP/1.1")
				wt.c = c
				var got [][]byte
				for {
					_, m, err := c.ReadMessage()
					if err != nil {
						if ce, ok := err.(*CloseError); !ok || ce.Code != StatusNormalClosure {
							t.Fatalf("%s, frag %d, handed %d: ReadMessage: %v; want close 1000", name, frag, handed, err)
						}
						break
					}
					got = append(got, m)
				}
				if !slices.EqualFunc(got, msgs, bytes.Equal) {
					t.Errorf("%s, frag %d, handed %d: %d messages differ from the %d sent", name, frag, handed, len(got), len(msgs))
				}
				if c.in.pooled != nil {
					t.Errorf("%s, frag %d, handed %d: pooled buffer held after the close", name, frag, handed)
				}
				small := 0
				for _, r := range wt.reads {
					if r.size == len(c.in.small) {
						small++
						if r.pooled {
							t.Errorf("%s, frag %d, handed %d: a read into the small array with a pooled buffer held", name, frag, handed)
						}
					}
				}
				switch {
				case name == "per message" && small < len(perMsg):
					t.Errorf("%s, frag %d: %d reads waited with the small array; want one per message and the close, %d", name, frag, small, len(perMsg))
				case name == "one byte" && small == 0:
					t.Errorf("%s, frag %d, handed %d: no read waited with the small array", name, frag, handed)
				}
			}
		}
	}
}

// A recordTransport returns the same frame over and over, at most one
// frame per read, as TLS records or HTTP/2 DATA frames of one frame each.
type recordTransport struct {
	frame []byte
	off   int
}

func (r *recordTransport) Read(p []byte) (int, error) {
	n := copy(p, r.frame[r.off:])
	r.off = (r.off + n) % len(r.frame)
	return n, nil
}
func (*recordTransport) Write(p []byte) (int, error) { return len(p), nil }
func (*recordTransport) Close() error                { return nil }

// BenchmarkReadMessage reads 64-byte and 1000-byte masked binary messages,
// each arriving in a read of its own.
func BenchmarkReadMessage(b *testing.B) {
	for _, size := range []int{64, 1000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			h := gws.Header{Fin: true, OpCode: gws.OpBinary, Length: int64(size), Masked: true, Mask: [4]byte{1, 2, 3, 4}}
			frame := append(appendHeader(nil, h), make([]byte, size)...)
			c := newConn(&recordTransport{frame: frame}, nil, false, "HTTP/1.1")
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ReadMessage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
