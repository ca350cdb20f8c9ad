package h3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// ExtendedConnectProtocol returns the :protocol of an RFC 9220 extended
// CONNECT request ("websocket" for WebSockets), or "" for any other
// request. Both engines report it as r.Proto (quic-go's convention);
// trio's engine also sets a ":protocol" header, as trio's HTTP/2 engine
// does.
func ExtendedConnectProtocol(r *http.Request) string {
	if r.Method != http.MethodConnect || r.ProtoMajor != 3 || r.Proto == "HTTP/3.0" {
		return ""
	}
	return r.Proto
}

// websocketAbort is the stream error code (H3_REQUEST_CANCELLED, RFC 9114
// section 8.1) for a stream given up before the close handshake finished.
const websocketAbort quic.StreamErrorCode = 0x10c

// A WebSocketStream is an HTTP/3 request stream carrying a WebSocket after
// an extended CONNECT was answered 2xx: reads and writes carry the DATA
// frames' payload. The server side outlives its handler; Close ends it.
type WebSocketStream struct {
	str interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		Close() error
		CancelRead(quic.StreamErrorCode)
		SetReadDeadline(time.Time) error
		SetWriteDeadline(time.Time) error
	}
}

func (s *WebSocketStream) Read(p []byte) (int, error)         { return s.str.Read(p) }
func (s *WebSocketStream) Write(p []byte) (int, error)        { return s.str.Write(p) }
func (s *WebSocketStream) SetReadDeadline(t time.Time) error  { return s.str.SetReadDeadline(t) }
func (s *WebSocketStream) SetWriteDeadline(t time.Time) error { return s.str.SetWriteDeadline(t) }

// Close ends the stream: a FIN after what was written, and no more reads.
func (s *WebSocketStream) Close() error {
	err := s.str.Close()
	s.str.CancelRead(websocketAbort)
	return err
}

// AcceptWebSocket answers the extended CONNECT r with 200 and the header
// fields in hdr, and takes the stream over from the handler: it outlives
// the handler until closed. It works with both engines.
func AcceptWebSocket(w http.ResponseWriter, r *http.Request, hdr http.Header) (*WebSocketStream, error) {
	if ExtendedConnectProtocol(r) == "" {
		return nil, errors.New("h3: websocket: request is not an extended CONNECT")
	}
	tw, hs := unwrap(w)
	if tw == nil && hs == nil {
		return nil, errors.New("h3: websocket: ResponseWriter is neither trio's nor implements http3.HTTPStreamer")
	}
	for k, vv := range hdr {
		w.Header()[k] = vv
	}
	w.WriteHeader(http.StatusOK)
	if tw != nil {
		st, err := tw.takeStream()
		if err != nil {
			return nil, fmt.Errorf("h3: websocket: taking over the stream: %w", err)
		}
		return &WebSocketStream{str: st}, nil
	}
	str, err := hs.HTTPStream()
	if err != nil {
		return nil, fmt.Errorf("h3: websocket: taking over the stream: %w", err)
	}
	return &WebSocketStream{str: str}, nil
}

// unwrap finds trio's responseWriter or an http3.HTTPStreamer in w or
// what it wraps.
func unwrap(w http.ResponseWriter) (*responseWriter, http3.HTTPStreamer) {
	for {
		switch v := w.(type) {
		case *responseWriter:
			return v, nil
		case http3.HTTPStreamer:
			return nil, v
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil, nil
		}
		w = u.Unwrap()
	}
}

// DialWebSocket sends req as an extended CONNECT with :protocol websocket
// (it sets the method and protocol) on a new stream of cc, once the
// server's SETTINGS allow it. If the server answers 2xx it returns the
// stream; otherwise the response and an error.
func DialWebSocket(ctx context.Context, cc *http3.ClientConn, req *http.Request) (*http.Response, *WebSocketStream, error) {
	select {
	case <-cc.ReceivedSettings():
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if !cc.Settings().EnableExtendedConnect {
		return nil, nil, errors.New("h3: websocket: server does not allow extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)")
	}
	rs, err := cc.OpenRequestStream(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("h3: websocket: opening stream: %w", err)
	}
	req.Method = http.MethodConnect
	req.Proto = "websocket"
	if err := rs.SendRequestHeader(req); err != nil {
		rs.CancelWrite(websocketAbort)
		return nil, nil, fmt.Errorf("h3: websocket: sending extended CONNECT: %w", err)
	}
	resp, err := rs.ReadResponse()
	if err != nil {
		rs.CancelWrite(websocketAbort)
		rs.CancelRead(websocketAbort)
		return nil, nil, fmt.Errorf("h3: websocket: reading response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		rs.CancelWrite(websocketAbort)
		rs.CancelRead(websocketAbort)
		return resp, nil, fmt.Errorf("h3: websocket: server answered %s; want 200", resp.Status)
	}
	return resp, &WebSocketStream{str: rs}, nil
}
