package ws_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// A rawFrame is written by the test as it is, to break the rules on
// purpose.
type rawFrame struct {
	fin    bool
	rsv    byte
	op     gws.OpCode
	unmask bool
	p      []byte
	length int64 // declared length when > 0 and p is nil
}

func frame(op gws.OpCode, p string) rawFrame   { return rawFrame{fin: true, op: op, p: []byte(p)} }
func partial(op gws.OpCode, p string) rawFrame { return rawFrame{op: op, p: []byte(p)} }
func closeBody(code uint16, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, code)) + reason
}

// Autobahn-style cases (sections 1-7 and 9 of the Autobahn TestSuite): the
// frames a client sends, what the server echoes first, and the close code
// the server must end with.
var autobahnCases = []struct {
	name   string
	send   []rawFrame
	echoes []string // payloads of data messages echoed before the close
	code   ws.StatusCode
}{
	{"1.1 text", []rawFrame{frame(gws.OpText, "hello")}, []string{"hello"}, 0},
	{"2.3 ping answered", []rawFrame{frame(gws.OpPing, "ping!"), frame(gws.OpText, "after")}, []string{"pong:ping!", "after"}, 0},
	{"2.5 ping 126 bytes", []rawFrame{{fin: true, op: gws.OpPing, p: make([]byte, 126)}}, nil, ws.StatusProtocolError},
	{"3.1 RSV1 without extension", []rawFrame{{fin: true, rsv: 4, op: gws.OpText, p: []byte("x")}}, nil, ws.StatusProtocolError},
	{"3.2 RSV2", []rawFrame{{fin: true, rsv: 2, op: gws.OpText, p: []byte("x")}}, nil, ws.StatusProtocolError},
	{"3.7 RSV on close", []rawFrame{{fin: true, rsv: 7, op: gws.OpClose}}, nil, ws.StatusProtocolError},
	{"4.1.1 opcode 3", []rawFrame{frame(3, "")}, nil, ws.StatusProtocolError},
	{"4.2.1 opcode 11", []rawFrame{frame(11, "")}, nil, ws.StatusProtocolError},
	{"5.1 fragmented ping", []rawFrame{partial(gws.OpPing, "a"), frame(gws.OpContinuation, "b")}, nil, ws.StatusProtocolError},
	{"5.6 ping inside fragments", []rawFrame{partial(gws.OpText, "frag"), frame(gws.OpPing, "p"), frame(gws.OpContinuation, "ment")}, []string{"pong:p", "fragment"}, 0},
	{"5.9 continuation first", []rawFrame{frame(gws.OpContinuation, "x")}, nil, ws.StatusProtocolError},
	{"5.18 text inside fragments", []rawFrame{partial(gws.OpText, "a"), frame(gws.OpText, "b")}, nil, ws.StatusProtocolError},
	{"6.2 UTF-8 split inside a character", []rawFrame{partial(gws.OpText, "h\xc3"), frame(gws.OpContinuation, "\xa9llo")}, []string{"héllo"}, 0},
	{"6.3 invalid UTF-8", []rawFrame{frame(gws.OpText, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")}, nil, ws.StatusInvalidPayload},
	{"6.4 invalid UTF-8 fails fast", []rawFrame{partial(gws.OpText, "ok\xf4\x90\x80\x80")}, nil, ws.StatusInvalidPayload},
	{"6.x truncated UTF-8 at end", []rawFrame{frame(gws.OpText, "ab\xe2\x82")}, nil, ws.StatusInvalidPayload},
	{"7.1 close echoed", []rawFrame{frame(gws.OpClose, closeBody(1000, "bye"))}, nil, ws.StatusNormalClosure},
	{"7.3.1 empty close", []rawFrame{frame(gws.OpClose, "")}, nil, ws.StatusNoStatusReceived},
	{"7.3.2 1-byte close", []rawFrame{frame(gws.OpClose, "\x03")}, nil, ws.StatusProtocolError},
	{"7.5.1 close reason not UTF-8", []rawFrame{frame(gws.OpClose, closeBody(1000, "\xff"))}, nil, ws.StatusInvalidPayload},
	{"7.7 close 3000 echoed", []rawFrame{frame(gws.OpClose, closeBody(3000, ""))}, nil, 3000},
	{"7.9.1 close code 0", []rawFrame{frame(gws.OpClose, closeBody(0, ""))}, nil, ws.StatusProtocolError},
	{"7.9.4 close code 1005", []rawFrame{frame(gws.OpClose, closeBody(1005, ""))}, nil, ws.StatusProtocolError},
	{"7.9.9 close code 2999", []rawFrame{frame(gws.OpClose, closeBody(2999, ""))}, nil, ws.StatusProtocolError},
	{"unmasked client frame", []rawFrame{{fin: true, op: gws.OpText, unmask: true, p: []byte("x")}}, nil, ws.StatusProtocolError},
	{"9.x oversize", []rawFrame{{fin: true, op: gws.OpBinary, p: make([]byte, 2000)}}, nil, ws.StatusMessageTooBig},
	{"9.x oversize declared", []rawFrame{{fin: true, op: gws.OpBinary, length: 1 << 40}}, nil, ws.StatusMessageTooBig},
	{"9.x oversize in fragments", []rawFrame{partial(gws.OpBinary, string(make([]byte, 1000))), frame(gws.OpContinuation, string(make([]byte, 1000)))}, nil, ws.StatusMessageTooBig},
	{"length MSB set", []rawFrame{{fin: true, op: gws.OpBinary, length: -1}}, nil, ws.StatusProtocolError},
}

// pingEcho echoes messages; pongs it receives are not visible, so a
// "ping!" text asks it to... keep it simple: it echoes, and the raw client
// checks pongs itself.
func TestAutobahn(t *testing.T) { run(t, testAutobahn) }

func testAutobahn(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, echo(&ws.AcceptOptions{ReadLimit: 1500}))
	for _, tc := range autobahnCases {
		t.Run(tc.name, func(t *testing.T) {
			rw, br := rawDial(t, ts)
			for _, f := range tc.send {
				writeRaw(t, rw, f)
			}
			var echoes []string
			for {
				h, p := readRaw(t, br)
				if h.Masked {
					t.Fatalf("server sent a masked frame")
				}
				switch h.OpCode {
				case gws.OpPong:
					echoes = append(echoes, "pong:"+string(p))
					continue
				case gws.OpText, gws.OpBinary:
					echoes = append(echoes, string(p))
					continue
				case gws.OpClose:
				default:
					t.Fatalf("server sent opcode %v", h.OpCode)
				}
				code := ws.StatusNoStatusReceived
				if len(p) >= 2 {
					code = ws.StatusCode(binary.BigEndian.Uint16(p))
				}
				if tc.code == 0 { // a valid exchange: the client closes it
					if code != 0 && len(echoes) < len(tc.echoes) {
						t.Fatalf("server closed with %d after echoes %q", code, echoes)
					}
				} else if code != tc.code {
					t.Fatalf("close code = %d (%q); want %d", code, p[min(2, len(p)):], tc.code)
				}
				break
			}
			if len(echoes) != len(tc.echoes) {
				t.Fatalf("echoes = %q; want %q", echoes, tc.echoes)
			}
			for i := range echoes {
				if echoes[i] != tc.echoes[i] {
					t.Fatalf("echoes = %q; want %q", echoes, tc.echoes)
				}
			}
		})
	}
}

func init() {
	// Valid cases end with the client's close, echoed with 1000.
	for i := range autobahnCases {
		if autobahnCases[i].code == 0 {
			autobahnCases[i].send = append(autobahnCases[i].send, frame(gws.OpClose, closeBody(1000, "")))
		}
	}
}

// writeRaw writes f as the test describes it, masked unless f.unmask.
func writeRaw(t testing.TB, w io.Writer, f rawFrame) {
	h := gws.Header{Fin: f.fin, Rsv: f.rsv, OpCode: f.op, Masked: !f.unmask, Length: int64(len(f.p))}
	if f.p == nil && f.length != 0 {
		h.Length = f.length
	}
	if h.Masked {
		h.Mask = [4]byte{1, 2, 3, 4}
	}
	var b []byte
	if h.Length == -1 { // a 64-bit length with its top bit set
		b = []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}
	} else {
		hb, _ := gws.CompileFrame(gws.Frame{Header: h})
		b = hb
	}
	p := append([]byte(nil), f.p...)
	if h.Masked {
		gws.Cipher(p, h.Mask, 0)
	}
	if _, err := w.Write(append(b, p...)); err != nil {
		t.Logf("writing frame: %v", err) // the server may have closed already
	}
}

func readRaw(t testing.TB, br *bufio.Reader) (gws.Header, []byte) {
	t.Helper()
	h, err := gws.ReadHeader(br)
	if err != nil {
		t.Fatalf("reading frame header: %v", err)
	}
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatalf("reading frame payload: %v", err)
	}
	return h, p
}

// rawDial runs the handshake for ts's mode with the h1, h2 or h3 package
// directly, and returns the stream for raw frames.
func rawDial(t testing.TB, ts *triotest.TS) (io.Writer, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://localhost/echo", nil)
	req.Header.Set("Sec-WebSocket-Version", "13")
	switch ts.Mode.Base() {
	case triotest.H1:
		nc, err := tls.Dial("tcp", ts.TLSAddr().String(), ts.ClientTLS("http/1.1"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(make([]byte, 16)))
		_, br, err := h1.DialWebSocket(nc, req)
		if err != nil {
			t.Fatal(err)
		}
		return nc, br
	case triotest.H2, triotest.H2C:
		var nc net.Conn
		var err error
		if ts.Mode.TLS() {
			nc, err = tls.Dial("tcp", ts.TLSAddr().String(), ts.ClientTLS("h2"))
		} else {
			req.URL.Scheme = "http"
			nc, err = net.Dial("tcp", ts.Addrs.Cleartext[0].Addr().String())
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(nc)
		if err != nil {
			t.Fatal(err)
		}
		_, st, err := h2.DialWebSocket(cc, req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, bufio.NewReader(st)
	case triotest.H3:
		qc, err := quic.DialAddr(ctx, ts.Addrs.QUIC[0].LocalAddr().String(), ts.ClientTLS(http3.NextProtoH3), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { qc.CloseWithError(0, "") })
		_, st, err := h3.DialWebSocket(ctx, (&http3.Transport{}).NewClientConn(qc), req)
		if err != nil {
			t.Fatal(err)
		}
		st.SetReadDeadline(time.Now().Add(10 * time.Second))
		return st, bufio.NewReader(st)
	}
	t.Fatalf("unknown mode %s", ts.Mode)
	return nil, nil
}
