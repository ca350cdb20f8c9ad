package ws

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// nopTransport reads from r and swallows writes.
type nopTransport struct{ io.Reader }

func (nopTransport) Write(p []byte) (int, error) { return len(p), nil }
func (nopTransport) Close() error                { return nil }

// A chunkReader returns at most n bytes per read.
type chunkReader struct {
	r io.Reader
	n int
}

func (r chunkReader) Read(p []byte) (int, error) { return r.r.Read(p[:min(len(p), r.n)]) }

// FuzzReadFrames feeds arbitrary bytes to a server Conn's reader, with
// and without permessage-deflate, the first handed bytes as an HTTP/1.1
// handshake's leftovers and the rest in reads of at most chunk bytes (0:
// as they come): it must never panic, never return more than the read
// limit, and end every input with an error.
func FuzzReadFrames(f *testing.F) {
	f.Add([]byte("\x81\x85\x01\x02\x03\x04ig`hn"), false, uint8(0), uint8(0)) // masked "hello"
	f.Add([]byte("\x01\x81\x00\x00\x00\x00a\x89\x80\x00\x00\x00\x00\x80\x81\x00\x00\x00\x00b"), false, uint8(3), uint8(1))
	f.Add([]byte("\xc1\x87\x00\x00\x00\x00\xf2H\xcd\xc9\xc9\x07\x00"), true, uint8(1), uint8(0)) // deflated "Hello"
	f.Add([]byte("\x88\x82\x00\x00\x00\x00\x03\xe8"), false, uint8(0), uint8(5))
	f.Add([]byte("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01"), false, uint8(7), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, deflate bool, chunk, handed uint8) {
		h := min(int(handed), len(b))
		var r io.Reader = bytes.NewReader(b[h:])
		if chunk > 0 {
			r = chunkReader{r, int(chunk)}
		}
		c := newConn(nopTransport{r}, bytes.Clone(b[:h]), false, "HTTP/1.1")
		c.SetReadLimit(1 << 16)
		if deflate {
			c.enableCompression(false, false, 0)
		}
		for i := 0; ; i++ {
			_, msg, err := c.ReadMessage()
			if err != nil {
				break
			}
			if len(msg) > 1<<16 {
				t.Fatalf("message of %d bytes past the limit", len(msg))
			}
			if i > len(b) {
				t.Fatalf("more messages than input bytes")
			}
		}
	})
}

// FuzzExtensions parses Sec-WebSocket-Extensions offers and negotiates
// them: a response must parse back, and name permessage-deflate.
func FuzzExtensions(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits")
	f.Add(`permessage-deflate; server_max_window_bits="15", x-webkit-deflate-frame`)
	f.Add("permessage-deflate; server_no_context_takeover; server_no_context_takeover")
	f.Fuzz(func(t *testing.T, s string) {
		h := http.Header{"Sec-Websocket-Extensions": {s}}
		offers, ok := parseExtensions(h)
		if !ok {
			return
		}
		for _, mode := range []CompressionMode{CompressionContextTakeover, CompressionNoContextTakeover} {
			resp, _, ok := serverNegotiate(offers, mode)
			if !ok {
				continue
			}
			back, ok := parseExtensions(http.Header{"Sec-Websocket-Extensions": {resp}})
			if !ok || len(back) != 1 {
				t.Fatalf("response %q does not parse", resp)
			}
			if _, err := clientAccept(back); err != nil {
				t.Fatalf("client refuses response %q to %q: %v", resp, s, err)
			}
		}
	})
}
