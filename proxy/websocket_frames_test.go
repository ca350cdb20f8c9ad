package proxy

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// rawFrame is a frame's wire form: RSV1 set if rsv1, masked with key if
// key is not nil.
func rawFrame(fin, rsv1 bool, op byte, p []byte, key []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	b := []byte{b0}
	var m byte
	if key != nil {
		m = 0x80
	}
	switch n := len(p); {
	case n < 126:
		b = append(b, m|byte(n))
	case n <= 0xffff:
		b = append(b, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if key == nil {
		return append(b, p...)
	}
	b = append(b, key...)
	start := len(b)
	b = append(b, p...)
	for i := range p {
		b[start+i] ^= key[i%4]
	}
	return b
}

func concat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

// writeInPieces writes p in pieces of n bytes, so frames arrive split.
func writeInPieces(t testing.TB, w io.Writer, p []byte, n int) {
	t.Helper()
	for len(p) > 0 {
		k := min(n, len(p))
		if _, err := w.Write(p[:k]); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		p = p[k:]
	}
}

// readExactly reads len(want) bytes from r and compares them with want.
func readExactly(t testing.TB, who string, r io.Reader, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil {
		t.Errorf("%s: reading %d bytes: %v", who, len(want), err)
		return
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: bytes differ from offset %d of %d: got % x; want % x", who, i, len(want), got[i:min(i+16, len(got))], want[i:min(i+16, len(want))])
	}
}

// TestWebSocketFramesUnchanged: raw frames go through byte for byte both
// ways: fragmentation, a ping between fragments, RSV1, the client's mask
// keys, 7-, 16- and 64-bit lengths, close frames with code and reason;
// and the backend's extension answer reaches the client.
func TestWebSocketFramesUnchanged(t *testing.T) { wsRun(t, testWebSocketFramesUnchanged) }

func testWebSocketFramesUnchanged(t *testing.T, m triotest.Mode, leg string) {
	k1, k2, k3 := []byte{1, 2, 3, 4}, []byte{0xde, 0xad, 0xbe, 0xef}, []byte{9, 8, 7, 6}
	up := concat(
		rawFrame(false, true, 0x1, []byte("hel"), k1),
		rawFrame(true, false, 0x9, []byte("p"), k2),
		rawFrame(false, false, 0x0, []byte("lo "), k3),
		rawFrame(true, false, 0x0, []byte("world"), k1),
		rawFrame(true, false, 0x2, pattern(300), k2),
		rawFrame(true, true, 0x2, pattern(100_000), k3),
	)
	down := concat(
		rawFrame(false, true, 0x1, []byte("ab"), nil),
		rawFrame(true, false, 0xa, []byte("p"), nil),
		rawFrame(true, false, 0x0, []byte("c"), nil),
		rawFrame(true, false, 0x2, pattern(70_000), nil),
	)
	upClose := rawFrame(true, false, 0x8, append([]byte{0x0f, 0xa0}, "raw bye"...), k2) // 4000
	downClose := rawFrame(true, false, 0x8, append([]byte{0x0f, 0xa1}, "raw too"...), nil)

	backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := ws.AcceptStream(w, r, http.Header{"Sec-Websocket-Extensions": {"permessage-deflate"}})
		if err != nil {
			t.Errorf("backend AcceptStream: %v", err)
			return
		}
		defer s.Close()
		readExactly(t, "backend", s, up)
		writeInPieces(t, s, down, 5000)
		readExactly(t, "backend", s, upClose)
		s.Write(downClose)
		io.Copy(io.Discard, s) // until the proxy closes
	}))
	ts := wsFront(t, m, poolOf(t, backend))
	s, res := wsDialStream(t, ts, "/", http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"}})
	if got := res.Header.Get("Sec-WebSocket-Extensions"); got != "permessage-deflate" {
		t.Errorf("client got Sec-WebSocket-Extensions %q; want the backend's permessage-deflate", got)
	}
	writeInPieces(t, s, up, 7)
	readExactly(t, "client", s, down)
	s.Write(upClose)
	readExactly(t, "client", s, downClose)
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := io.Copy(io.Discard, s); n != 0 || isTimeout(err) {
		t.Errorf("after the close handshake the client read %d more bytes, %v; want the end", n, err)
	}
}

func isTimeout(err error) bool {
	te, ok := err.(interface{ Timeout() bool })
	return ok && te.Timeout()
}

// TestWebSocketCloseBetweenFrames: a close the proxy makes (draining) waits
// for the end of the frame being relayed: the client gets the whole frame,
// then 1012, and the backend gets a masked 1001.
func TestWebSocketCloseBetweenFrames(t *testing.T) { wsRun(t, testWebSocketCloseBetweenFrames) }

func testWebSocketCloseBetweenFrames(t *testing.T, m triotest.Mode, leg string) {
	frame := rawFrame(true, false, 0x2, pattern(1000), nil)
	half := make(chan struct{})
	resume := make(chan struct{})
	got := make(chan []byte, 1)
	backend := wsBackend(t, leg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := ws.AcceptStream(w, r, nil)
		if err != nil {
			return
		}
		defer s.Close()
		s.Write(frame[:500])
		close(half)
		<-resume
		s.Write(frame[500:])
		var h frameHeader
		if err := readFrameHeader(s, &h); err != nil {
			t.Errorf("backend: %v", err)
			got <- nil
			return
		}
		p := make([]byte, h.length)
		io.ReadFull(s, p)
		if h.op != opClose || !h.masked {
			t.Errorf("backend got opcode %d, masked %v; want a masked close frame", h.op, h.masked)
		}
		unmask(p, h.mask)
		got <- p
		s.Write(rawFrame(true, false, 0x8, p[:2], nil))
		io.Copy(io.Discard, s)
	}))
	pool := poolOf(t, backend)
	ts := wsFront(t, m, pool)
	s, _ := wsDialStream(t, ts, "/", nil)
	<-half
	time.Sleep(50 * time.Millisecond) // the relay is within the frame
	pool.closeRelays(pool.Upstreams()[0])
	time.Sleep(50 * time.Millisecond)
	close(resume)
	readExactly(t, "client", s, frame)
	readExactly(t, "client", s, rawFrame(true, false, 0x8, append([]byte{0x03, 0xf4}, DrainReason...), nil))
	s.Write(rawFrame(true, false, 0x8, []byte{0x03, 0xf4}, []byte{1, 2, 3, 4}))
	if p := <-got; len(p) < 2 || ws.StatusCode(binary.BigEndian.Uint16(p)) != ws.StatusGoingAway {
		t.Errorf("backend got close payload %q; want code 1001", p)
	}
}
