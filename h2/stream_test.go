package h2

import (
	"net/http"
	"testing"

	"golang.org/x/net/http2"
)

// answerAtOnce is a static-file-like handler: 1 KiB at once, the request
// body never read.
func answerAtOnce(w http.ResponseWriter, r *http.Request) { w.Write(h2specBody) }

// responseDone waits for the end of the response on stream id.
func (rc *rawClient) responseDone(id uint32) {
	rc.t.Helper()
	rc.waitFor("end of response", func(f rawFrame) bool {
		return f.stream == id && f.end && (f.typ == http2.FrameData || f.typ == http2.FrameHeaders)
	})
}

// TestRequestAfterResponse: once the response is complete, what the
// client still sends on the request side is checked as before (RFC 9113
// 5.1 half-closed (local), 8.1, 8.1.1, 6.9.1).
func TestRequestAfterResponse(t *testing.T) {
	tests := []struct {
		name string
		hdr  []string
		send func(rc *rawClient)
		code http2.ErrCode
	}{
		{"content-length exceeded", []string{"content-length", "4"}, func(rc *rawClient) {
			rc.fr.WriteData(1, true, []byte("12345678"))
		}, http2.ErrCodeProtocol},
		{"content-length short", []string{"content-length", "4"}, func(rc *rawClient) {
			rc.fr.WriteData(1, true, []byte("12"))
		}, http2.ErrCodeProtocol},
		{"DATA after END_STREAM", nil, func(rc *rawClient) {
			rc.fr.WriteData(1, true, []byte("a"))
			rc.fr.WriteData(1, true, []byte("b"))
		}, http2.ErrCodeStreamClosed},
		{"DATA after RST_STREAM", nil, func(rc *rawClient) {
			rc.fr.WriteRSTStream(1, http2.ErrCodeCancel)
			rc.fr.WriteData(1, true, []byte("a"))
		}, http2.ErrCodeStreamClosed},
		{"pseudo-header in trailers", nil, func(rc *rawClient) {
			rc.headers(1, true)
		}, http2.ErrCodeProtocol},
		{"trailers without END_STREAM", nil, func(rc *rawClient) {
			rc.headers(1, false)
		}, http2.ErrCodeProtocol},
		{"stream window overflow", nil, func(rc *rawClient) {
			rc.fr.WriteWindowUpdate(1, 1<<31-1)
			rc.fr.WriteWindowUpdate(1, 1<<31-1)
		}, http2.ErrCodeFlowControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, h2cTrio, http.HandlerFunc(answerAtOnce), nil)
			rc := newRawClient(t, ts.addr)
			rc.headers(1, false, append([]string{":method", "POST"}, tt.hdr...)...)
			rc.responseDone(1)
			tt.send(rc)
			f := rc.waitFor("RST_STREAM or GOAWAY", func(f rawFrame) bool {
				return f.typ == http2.FrameRSTStream || f.typ == http2.FrameGoAway
			})
			if f.code != tt.code {
				t.Errorf("%v %v; want %v", f.typ, f.code, tt.code)
			}
		})
	}
}

// TestDiscardedBodyReturnsWindow: request DATA the handler will never read
// returns connection window, so other streams are not stalled.
func TestDiscardedBodyReturnsWindow(t *testing.T) {
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(answerAtOnce), nil)
	rc := newRawClient(t, ts.addr)
	chunk := make([]byte, 16<<10)
	// 6 x 240 KiB exceeds the 1 MiB connection window; each fits its
	// stream's 256 KiB.
	for id := uint32(1); id <= 11; id += 2 {
		rc.headers(id, false, ":method", "POST")
		rc.responseDone(id)
		for range 15 {
			rc.fr.WriteData(id, false, chunk)
		}
		rc.fr.WriteData(id, true, nil)
	}
	rc.fr.WritePing(false, [8]byte{1})
	f := rc.waitFor("PING ack", func(f rawFrame) bool {
		return f.typ == http2.FramePing || f.typ == http2.FrameRSTStream || f.typ == http2.FrameGoAway
	})
	if f.typ != http2.FramePing {
		t.Errorf("%v %v on stream %d; want PING ack", f.typ, f.code, f.stream)
	}
}

// TestRequestOutlivesResponse: a request still open after its response is
// asked to stop with RST_STREAM NO_ERROR (RFC 9113 8.1), after bodyLinger
// or once it fills its stream window.
func TestRequestOutlivesResponse(t *testing.T) {
	tests := []struct {
		name string
		send func(rc *rawClient)
	}{
		{"silent", func(rc *rawClient) {}},
		{"window filled", func(rc *rawClient) {
			chunk := make([]byte, 16<<10)
			for range initialStreamWindow / len(chunk) {
				rc.fr.WriteData(1, false, chunk)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, h2cTrio, http.HandlerFunc(answerAtOnce), nil)
			rc := newRawClient(t, ts.addr)
			rc.headers(1, false, ":method", "POST")
			rc.responseDone(1)
			tt.send(rc)
			f := rc.waitFor("RST_STREAM or GOAWAY", func(f rawFrame) bool {
				return f.typ == http2.FrameRSTStream || f.typ == http2.FrameGoAway
			})
			if f.typ != http2.FrameRSTStream || f.code != http2.ErrCodeNo {
				t.Errorf("%v %v; want RST_STREAM NO_ERROR", f.typ, f.code)
			}
		})
	}
}
