package h3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/quicvarint"

	"github.com/triohttp/trio/h3"
)

// A rawConn is a QUIC connection to a test server written frame by frame.
type rawConn struct {
	qc   *quic.Conn
	ctrl *quic.SendStream
}

// dialRaw connects and opens a control stream with an empty SETTINGS.
func dialRaw(t *testing.T, ts *testServer) *rawConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, ts.addr, ts.cert.ClientTLS("h3"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qc.CloseWithError(0x100, "") })
	ctrl, err := qc.OpenUniStream()
	if err != nil {
		t.Fatal(err)
	}
	ctrl.Write([]byte{0x00, 0x04, 0x00}) // control stream, SETTINGS with nothing
	return &rawConn{qc: qc, ctrl: ctrl}
}

func frame(typ uint64, p []byte) []byte {
	return append(quicvarint.Append(quicvarint.Append(nil, typ), uint64(len(p))), p...)
}

func headers(fields ...string) []byte {
	var b []byte
	enc := qpack.NewEncoder(writerFunc(func(p []byte) (int, error) { b = append(b, p...); return len(p), nil }))
	for i := 0; i+1 < len(fields); i += 2 {
		enc.WriteField(qpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return frame(0x01, b)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func post(ts *testServer, extra ...string) []byte {
	return headers(append([]string{":method", "POST", ":scheme", "https", ":authority", ts.addr, ":path", "/"}, extra...)...)
}

// closeCode waits for the connection to close and returns its code.
func (c *rawConn) closeCode(t *testing.T) uint64 {
	t.Helper()
	select {
	case <-c.qc.Context().Done():
	case <-time.After(3 * time.Second):
		return 0
	}
	var ae *quic.ApplicationError
	if errors.As(context.Cause(c.qc.Context()), &ae) {
		return uint64(ae.ErrorCode)
	}
	return 0
}

// streamCode sends b on a request stream (FIN after it) and returns the
// code of the reset that ends the answer, 0 for none, and the answer.
func (c *rawConn) streamCode(t *testing.T, b []byte) (uint64, string) {
	t.Helper()
	s, err := c.qc.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(3 * time.Second))
	s.Write(b)
	s.Close()
	got, err := io.ReadAll(s)
	var se *quic.StreamError
	if errors.As(err, &se) {
		return uint64(se.ErrorCode), string(got)
	}
	return 0, string(got)
}

// TestConnectionErrors checks errors the conformance checker does not:
// each closes the connection with its code (trio's engine only).
func TestConnectionErrors(t *testing.T) {
	ts := newTestServer(t, h3.EngineTrio, echoHandler, h3.Config{})
	uni := func(b ...byte) func(*rawConn) {
		return func(c *rawConn) {
			s, _ := c.qc.OpenUniStream()
			s.Write(b)
		}
	}
	tests := []struct {
		name string
		act  func(*rawConn)
		want uint64
	}{
		{"QPACK encoder capacity 10", uni(0x02, 0x2a), 0x201},
		{"QPACK encoder insert", uni(0x02, 0xc0, 0x01, 'a'), 0x201},
		{"QPACK decoder section ack", uni(0x03, 0x84), 0x202},
		{"QPACK encoder closed", func(c *rawConn) {
			s, _ := c.qc.OpenUniStream()
			s.Write([]byte{0x02})
			s.Close()
		}, 0x104},
		{"second QPACK decoder stream", func(c *rawConn) { uni(0x03)(c); uni(0x03)(c) }, 0x103},
		{"MAX_PUSH_ID decreasing", func(c *rawConn) {
			c.ctrl.Write(append(frame(0x0d, []byte{5}), frame(0x0d, []byte{1})...))
		}, 0x108},
		{"CANCEL_PUSH without MAX_PUSH_ID", func(c *rawConn) { c.ctrl.Write(frame(0x03, []byte{0})) }, 0x108},
		{"PUSH_PROMISE on control", func(c *rawConn) { c.ctrl.Write(frame(0x05, []byte{0})) }, 0x105},
		{"GOAWAY with trailing byte", func(c *rawConn) { c.ctrl.Write(frame(0x07, []byte{0, 0})) }, 0x106},
		{"request stream ending inside a frame", func(c *rawConn) {
			c.streamCode(t, append(post(ts), 0x00, 0x05, 'a'))
		}, 0x106},
		{"DATA after trailers", func(c *rawConn) {
			c.streamCode(t, append(append(post(ts), headers("x-t", "1")...), frame(0x00, []byte("x"))...))
		}, 0x105},
		{"MAX_PUSH_ID on a request stream", func(c *rawConn) {
			c.streamCode(t, append(post(ts), frame(0x0d, []byte{1})...))
		}, 0x105},
	}
	for _, tt := range tests {
		c := dialRaw(t, ts)
		tt.act(c)
		if got := c.closeCode(t); got != tt.want {
			t.Errorf("%s: connection closed with 0x%x; want 0x%x", tt.name, got, tt.want)
		}
	}
}

// TestRequestStreamErrors checks answers on one request stream, with the
// connection staying up, on both engines.
func TestRequestStreamErrors(t *testing.T) { forEngines(t, testRequestStreamErrors) }

func testRequestStreamErrors(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, echoHandler, h3.Config{MaxHeaderBytes: 1 << 10})
	c := dialRaw(t, ts)
	tests := []struct {
		name   string
		b      []byte
		code   uint64
		answer string // prefix of what the server sent, as bytes
	}{
		{"content-length above DATA", append(post(ts, "content-length", "10"), frame(0x00, []byte("abc"))...), 0x10e, ""},
		{"content-length below DATA", append(post(ts, "content-length", "1"), frame(0x00, []byte("abc"))...), 0x10e, ""},
		{"trailers", append(append(post(ts), frame(0x00, []byte("abc"))...), headers("x-t", "1")...), 0, "\x01"},
		{"reserved frame in the body", append(append(post(ts), frame(0x21, []byte("g"))...), frame(0x00, []byte("abc"))...), 0, "\x01"},
		{"no HEADERS", nil, 0x10d, ""},
	}
	for _, tt := range tests {
		code, answer := c.streamCode(t, tt.b)
		if e == h3.EngineStd && tt.code != 0 {
			continue // quic-go's codes differ; only the conformance cases bind it
		}
		if code != tt.code || !strings.HasPrefix(answer, tt.answer) {
			t.Errorf("%s: reset 0x%x, answer %q; want 0x%x, %q...", tt.name, code, answer, tt.code, tt.answer)
		}
	}
	// A field section above MaxHeaderBytes: 431.
	resp, err := ts.client.Do(func() *http.Request {
		r := newRequest(t, "GET", ts.url+"/", nil)
		r.Header.Set("X-Big", strings.Repeat("a", 2<<10))
		return r
	}())
	if err != nil {
		t.Fatalf("large header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("large header: %s; want 431", resp.Status)
	}
	if c.qc.Context().Err() != nil {
		t.Errorf("connection closed (%v); stream errors must leave it open", context.Cause(c.qc.Context()))
	}
}
