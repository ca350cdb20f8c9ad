package conformance

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"testing"

	"golang.org/x/net/http2"

	"github.com/triohttp/trio/triotest/testcert"
)

// silentWS completes an HTTP/1.1 WebSocket handshake, accepting
// permessage-deflate, then reads and ignores everything: no echo, no
// Pong, no Close, no protocol errors. With badAccept it gets the
// handshake's Sec-WebSocket-Accept wrong instead.
func silentWS(badAccept bool) func(c net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		accept := base64.StdEncoding.EncodeToString(sum[:])
		if badAccept {
			accept = "AAAA" + accept[4:]
		}
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n"
		if req.Header.Get("Sec-WebSocket-Extensions") != "" {
			resp += "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
		}
		c.Write([]byte(resp + "\r\n"))
		io.Copy(io.Discard, br)
	}
}

func TestBrokenWS(t *testing.T) {
	t.Parallel()
	silent := rawServer(t, silentWS(false))
	badAccept := rawServer(t, silentWS(true))
	refusingH2 := rawServer(t, rawH2Server(http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1}))
	cert := testcert.New(t)
	refusing3 := rawH3Server(t, cert, refusingH3)
	opts := &Options{Timeout: 3e9, H2Spec: "/nonexistent/h2spec"}
	requireEachFails(t, "ws", nil,
		runSuite(t, "http://"+silent+"/", "ws", opts),
		runSuite(t, "http://"+badAccept+"/", "ws", opts),
		runSuite(t, "http://"+refusingH2+"/", "ws", opts),
		runSuite(t, "https://"+refusing3+"/", "ws", &Options{RootCAs: cert.Pool, H3Addr: refusing3, Timeout: 3e9}))
}
