package ws_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// TestFirstFrameWithHandshake: a client that sends its first frame in the
// same write as its HTTP/1.1 handshake gets it echoed, on both h1 engines:
// the bytes the server read past the handshake reach the Conn, which then
// reads the connection itself.
func TestFirstFrameWithHandshake(t *testing.T) {
	for _, m := range triotest.Modes {
		if m.Base() != triotest.H1 {
			continue
		}
		t.Run(string(m), func(t *testing.T) {
			ts := triotest.New(t, m, echo(nil))
			tc := ts.ClientTLS().Clone()
			tc.NextProtos = []string{"http/1.1"}
			nc, err := tls.Dial("tcp", ts.TLSAddr().String(), tc)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			const handshake = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
			// Two masked text frames "early" and "later" (mask 0): the
			// second makes the server's reader hold more than one frame.
			frames := "\x81\x85\x00\x00\x00\x00early\x81\x85\x00\x00\x00\x00later"
			if _, err := nc.Write([]byte(handshake + frames)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status = %d; want 101", resp.StatusCode)
			}
			for _, want := range []string{"early", "later"} {
				var got [7]byte // unmasked header and payload
				if _, err := io.ReadFull(br, got[:]); err != nil {
					t.Fatalf("reading the echo of %q: %v", want, err)
				}
				if h, p := got[:2], string(got[2:]); h[0] != 0x81 || h[1] != 5 || p != want {
					t.Errorf("echo = % x %q; want 81 05 %q", h, p, want)
				}
			}
		})
	}
}
