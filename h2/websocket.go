package h2

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// ExtendedConnectProtocol returns the :protocol of an RFC 8441 extended
// CONNECT request ("websocket" for WebSockets), or "" for any other
// request. Trio's engine reports it as r.Proto and a ":protocol" header;
// Go's engine (only with GODEBUG=http2xconnect=1 in the environment at
// process start) as the header alone.
func ExtendedConnectProtocol(r *http.Request) string {
	if r.Method != http.MethodConnect || r.ProtoMajor != 2 {
		return ""
	}
	return r.Header.Get(":protocol")
}

// A WebSocketStream is the server side of an HTTP/2 stream opened by an
// extended CONNECT and accepted with 200: reads return the client's DATA,
// writes send DATA once flushed. It is valid until the handler returns.
type WebSocketStream struct {
	body io.ReadCloser
	w    http.ResponseWriter
	rc   *http.ResponseController

	mu     sync.Mutex
	closed bool
}

// AcceptWebSocket answers the extended CONNECT r with 200 and the header
// fields in hdr, flushes the response header, and returns the stream.
func AcceptWebSocket(w http.ResponseWriter, r *http.Request, hdr http.Header) (*WebSocketStream, error) {
	if p := ExtendedConnectProtocol(r); p == "" {
		return nil, errors.New("h2: websocket: request is not an extended CONNECT")
	}
	for k, vv := range hdr {
		w.Header()[k] = vv
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return nil, fmt.Errorf("h2: websocket: flushing 200 response: %w", err)
	}
	return &WebSocketStream{body: r.Body, w: w, rc: rc}, nil
}

// Read reads DATA the client sent.
func (s *WebSocketStream) Read(p []byte) (int, error) { return s.body.Read(p) }

// Write queues p as DATA; Flush sends it.
func (s *WebSocketStream) Write(p []byte) (int, error) {
	if s.isClosed() {
		return 0, os.ErrClosed
	}
	return s.w.Write(p)
}

// Flush sends what Write queued.
func (s *WebSocketStream) Flush() error {
	if s.isClosed() {
		return os.ErrClosed
	}
	return s.rc.Flush()
}

// SetReadDeadline sets when a blocked Read gives up.
func (s *WebSocketStream) SetReadDeadline(t time.Time) error { return s.rc.SetReadDeadline(t) }

// SetWriteDeadline sets when a blocked Write or Flush gives up.
func (s *WebSocketStream) SetWriteDeadline(t time.Time) error { return s.rc.SetWriteDeadline(t) }

// Close stops reads and writes; the stream ends when the handler returns.
func (s *WebSocketStream) Close() error {
	s.mu.Lock()
	was := s.closed
	s.closed = true
	s.mu.Unlock()
	if !was {
		s.rc.SetReadDeadline(time.Unix(1, 0)) // wakes a blocked Read
	}
	return nil
}

func (s *WebSocketStream) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// DialWebSocket sends req as an extended CONNECT with :protocol websocket
// (it sets the method and the pseudo-header) through rt, which must be an
// HTTP/2 round tripper that supports RFC 8441, such as
// golang.org/x/net/http2's Transport or ClientConn. If the server answers
// 2xx, the returned stream reads the response body and writes the request
// body; otherwise the response is returned with an error.
func DialWebSocket(rt http.RoundTripper, req *http.Request) (*http.Response, io.ReadWriteCloser, error) {
	pr, pw := io.Pipe()
	req.Method = http.MethodConnect
	req.Header[":protocol"] = []string{"websocket"}
	req.Body = pr
	req.ContentLength = -1
	resp, err := rt.RoundTrip(req)
	if err != nil {
		pw.Close()
		return nil, nil, fmt.Errorf("h2: websocket: extended CONNECT: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		pw.Close()
		return resp, nil, fmt.Errorf("h2: websocket: server answered %s; want 200", resp.Status)
	}
	return resp, &clientStream{ReadCloser: resp.Body, pw: pw}, nil
}

type clientStream struct {
	io.ReadCloser
	pw *io.PipeWriter
}

func (s *clientStream) Write(p []byte) (int, error) { return s.pw.Write(p) }

func (s *clientStream) Close() error {
	s.pw.Close()
	return s.ReadCloser.Close()
}
