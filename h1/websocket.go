package h1

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// websocketGUID is the fixed string RFC 6455 section 1.3 appends to the key.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocketAccept is the Sec-WebSocket-Accept value for the
// Sec-WebSocket-Key key (RFC 6455 section 4.2.2).
func WebSocketAccept(key string) string {
	h := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// IsWebSocket reports whether r asks to switch to WebSocket: an HTTP/1.x
// request with "Upgrade: websocket" and "Connection: upgrade".
func IsWebSocket(r *http.Request) bool {
	return r.ProtoMajor == 1 &&
		httpguts.HeaderValuesContainsToken(r.Header["Connection"], "upgrade") &&
		httpguts.HeaderValuesContainsToken(r.Header["Upgrade"], "websocket")
}

// A WebSocketError is a handshake the server refuses, with the status to
// answer.
type WebSocketError struct {
	Status int    // HTTP status for the client
	Msg    string // what is wrong with the request
}

func (e *WebSocketError) Error() string { return "websocket: " + e.Msg }

// CheckWebSocket checks the RFC 6455 section 4.2.1 opening handshake of r
// and returns its Sec-WebSocket-Key.
func CheckWebSocket(r *http.Request) (key string, err error) {
	switch {
	case !IsWebSocket(r):
		return "", &WebSocketError{http.StatusUpgradeRequired, `request must carry "Connection: upgrade" and "Upgrade: websocket"`}
	case r.Method != http.MethodGet:
		return "", &WebSocketError{http.StatusMethodNotAllowed, "handshake method must be GET, not " + r.Method}
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return "", &WebSocketError{http.StatusUpgradeRequired, fmt.Sprintf("Sec-WebSocket-Version %q unsupported; want 13", r.Header.Get("Sec-WebSocket-Version"))}
	}
	key = r.Header.Get("Sec-WebSocket-Key")
	if b, err := base64.StdEncoding.DecodeString(key); err != nil || len(b) != 16 {
		return "", &WebSocketError{http.StatusBadRequest, fmt.Sprintf("Sec-WebSocket-Key %q is not 16 bytes in base64", key)}
	}
	return key, nil
}

// AcceptWebSocket answers r, which CheckWebSocket accepted, with 101
// Switching Protocols carrying hdr, and takes the connection over. It
// returns the connection and a copy of what the client sent after its
// handshake and the server had already read (usually nothing): read frames
// from those bytes first, then from the connection, and write them to the
// connection. No read buffer is kept, so an idle WebSocket holds none.
// Deadlines the server set are cleared.
func AcceptWebSocket(w http.ResponseWriter, r *http.Request, key string, hdr http.Header) (net.Conn, []byte, error) {
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: taking over the connection: %w", err)
	}
	var pending []byte
	if n := brw.Reader.Buffered(); n > 0 {
		p, _ := brw.Reader.Peek(n)
		pending = bytes.Clone(p)
	}
	recycleReader(brw.Reader)
	nc.SetDeadline(time.Time{})
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	b.WriteString(WebSocketAccept(key))
	b.WriteString("\r\n")
	for k, vv := range hdr {
		for _, v := range vv {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if _, err := nc.Write([]byte(b.String())); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("websocket: writing 101 response: %w", err)
	}
	return nc, pending, nil
}

// DialWebSocket runs the client side of the RFC 6455 handshake on nc:
// it writes req (a GET carrying Sec-WebSocket-Key and the other handshake
// headers, which it completes with Upgrade and Connection) and reads the
// response, which must be 101 with the matching Sec-WebSocket-Accept. The
// reader holds what the server sent after its response. Errors other than
// a refusal leave the response nil.
func DialWebSocket(nc net.Conn, req *http.Request) (*http.Response, *bufio.Reader, error) {
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	if err := req.Write(nc); err != nil {
		return nil, nil, fmt.Errorf("websocket: writing handshake: %w", err)
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: reading handshake response: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, nil, fmt.Errorf("websocket: server answered %s; want 101 Switching Protocols", resp.Status)
	}
	want := WebSocketAccept(req.Header.Get("Sec-WebSocket-Key"))
	switch {
	case !httpguts.HeaderValuesContainsToken(resp.Header["Upgrade"], "websocket"),
		!httpguts.HeaderValuesContainsToken(resp.Header["Connection"], "upgrade"):
		return resp, nil, errors.New("websocket: 101 response lacks Upgrade: websocket or Connection: upgrade")
	case resp.Header.Get("Sec-WebSocket-Accept") != want:
		return resp, nil, fmt.Errorf("websocket: Sec-WebSocket-Accept %q; want %q", resp.Header.Get("Sec-WebSocket-Accept"), want)
	}
	return resp, br, nil
}
