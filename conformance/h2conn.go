package conformance

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// An h2Conn is a raw HTTP/2 connection driven frame by frame.
type h2Conn struct {
	net.Conn
	fr       *http2.Framer
	settings map[http2.SettingID]uint32 // the server's first SETTINGS
}

// dialH2 connects to t, over TLS with ALPN h2 or in cleartext with prior
// knowledge, and exchanges SETTINGS.
func (t *target) dialH2(ctx context.Context) (*h2Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if t.tls {
		tc := tls.Client(c, t.opts.tlsConfig(t.host, "h2"))
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake: %v", err)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			c.Close()
			return nil, fmt.Errorf("ALPN chose %q, not h2", p)
		}
		c = tc
	}
	h := &h2Conn{Conn: c, fr: http2.NewFramer(c, c), settings: map[http2.SettingID]uint32{}}
	h.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := h.handshake(); err != nil {
		c.Close()
		return nil, err
	}
	return h, nil
}

func (h *h2Conn) handshake() error {
	if _, err := io.WriteString(h, http2.ClientPreface); err != nil {
		return fmt.Errorf("sending preface: %v", err)
	}
	if err := h.fr.WriteSettings(); err != nil {
		return fmt.Errorf("sending SETTINGS: %v", err)
	}
	f, err := h.fr.ReadFrame()
	if err != nil {
		return fmt.Errorf("reading the server preface: %v", err)
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok || sf.IsAck() {
		return fmt.Errorf("server preface is %v, not SETTINGS", f.Header().Type)
	}
	sf.ForeachSetting(func(s http2.Setting) error {
		h.settings[s.ID] = s.Val
		return nil
	})
	return h.fr.WriteSettingsAck()
}

// An hf is one header field to send, in order.
type hf struct{ name, value string }

// sendHeaders sends one HEADERS frame on stream id with END_HEADERS, and
// END_STREAM when end is set.
func (h *h2Conn) sendHeaders(id uint32, end bool, fields ...hf) error {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range fields {
		enc.WriteField(hpack.HeaderField{Name: f.name, Value: f.value})
	}
	return h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: buf.Bytes(), EndHeaders: true, EndStream: end})
}

// An h2Answer is how the server answered a stream.
type h2Answer struct {
	status string         // :status of the response, if any
	rst    *http2.ErrCode // RST_STREAM code
	goaway *http2.ErrCode // GOAWAY code
	closed error          // the connection ended without either
}

func (a h2Answer) String() string {
	switch {
	case a.status != "":
		return ":status " + a.status
	case a.rst != nil:
		return "RST_STREAM " + a.rst.String()
	case a.goaway != nil:
		return "GOAWAY " + a.goaway.String()
	}
	return fmt.Sprintf("connection ended: %v", a.closed)
}

// isProtocolError reports a stream or connection error of PROTOCOL_ERROR.
func (a h2Answer) isProtocolError() bool {
	return (a.rst != nil && *a.rst == http2.ErrCodeProtocol) || (a.goaway != nil && *a.goaway == http2.ErrCodeProtocol)
}

// await reads frames until stream id gets a response, a reset, or the
// connection a GOAWAY.
func (h *h2Conn) await(id uint32) h2Answer {
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("closed without GOAWAY")
			}
			return h2Answer{closed: err}
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if f.StreamID == id {
				return h2Answer{status: f.PseudoValue("status")}
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				return h2Answer{rst: &f.ErrCode}
			}
		case *http2.GoAwayFrame:
			return h2Answer{goaway: &f.ErrCode}
		case *http2.PingFrame:
			if !f.IsAck() {
				h.fr.WritePing(true, f.Data)
			}
		}
	}
}
