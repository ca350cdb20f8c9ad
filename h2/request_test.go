package h2

import (
	"net"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

func fields(kv ...string) []hpack.HeaderField {
	var fs []hpack.HeaderField
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

func TestNewRequestValidation(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/x?y=1"}
	tests := []struct {
		name   string
		fields []string
		end    bool
		ok     bool
	}{
		{"GET", get, true, true},
		{"missing :path", []string{":method", "GET", ":scheme", "https"}, true, false},
		{"empty :path", []string{":method", "GET", ":scheme", "https", ":path", ""}, true, false},
		{"missing :method", []string{":scheme", "https", ":path", "/"}, true, false},
		{"duplicate :path", append(append([]string{}, get...), ":path", "/"), true, false},
		{"unknown pseudo", append(append([]string{}, get...), ":foo", "x"), true, false},
		{"relative path", []string{":method", "GET", ":scheme", "https", ":path", "x"}, true, false},
		{"OPTIONS *", []string{":method", "OPTIONS", ":scheme", "https", ":authority", "a.test", ":path", "*"}, true, true},
		{"GET *", []string{":method", "GET", ":scheme", "https", ":path", "*"}, true, false},
		{"CONNECT", []string{":method", "CONNECT", ":authority", "a.test:443"}, false, true},
		{"CONNECT with :path", []string{":method", "CONNECT", ":authority", "a:1", ":path", "/"}, false, false},
		{"extended CONNECT", []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a", ":path", "/ws"}, false, true},
		{"extended CONNECT without :path", []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a"}, false, false},
		{":protocol on GET", append(append([]string{}, get...), ":protocol", "websocket"), true, false},
		{"connection", append(append([]string{}, get...), "connection", "close"), true, false},
		{"keep-alive", append(append([]string{}, get...), "keep-alive", "1"), true, false},
		{"transfer-encoding", append(append([]string{}, get...), "transfer-encoding", "chunked"), true, false},
		{"upgrade", append(append([]string{}, get...), "upgrade", "h2c"), true, false},
		{"te: trailers", append(append([]string{}, get...), "te", "trailers"), true, true},
		{"te: gzip", append(append([]string{}, get...), "te", "gzip"), true, false},
		{"content-length", append(append([]string{}, get...), "content-length", "5"), false, true},
		{"bad content-length", append(append([]string{}, get...), "content-length", "-1"), false, false},
		{"conflicting content-length", append(append([]string{}, get...), "content-length", "5", "content-length", "6"), false, false},
		{"content-length with END_STREAM", append(append([]string{}, get...), "content-length", "5"), true, false},
	}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c := newConn(t.Context(), nil, c1, nil, nil)
	defer c.cancel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := c.newStreamLocked(1)
			r, err := c.newRequest(st, fields(tt.fields...), tt.end)
			if (err == nil) != tt.ok {
				t.Fatalf("newRequest error = %v; want ok=%v", err, tt.ok)
			}
			if err == nil && r.Method == "GET" && (r.Host != "a.test" || r.URL.Path != "/x" || r.URL.RawQuery != "y=1") {
				t.Errorf("Host %q, URL %v; want a.test, /x?y=1", r.Host, r.URL)
			}
			if err == nil && strings.Contains(tt.name, "extended") && (r.Proto != "websocket" || r.Header.Get(":protocol") != "websocket") {
				t.Errorf("Proto %q, :protocol %q; want websocket", r.Proto, r.Header.Get(":protocol"))
			}
		})
	}
}

// TestHeaderBlockEmit: emit collects fields within the list size; a
// malformed field is refused by newRequest, which checks every field.
func TestHeaderBlockEmit(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/"}
	tests := []struct {
		name      string
		fields    []string
		invalid   bool
		truncated bool
	}{
		{"ok", append(append([]string{}, get...), "accept", "*/*"), false, false},
		{"uppercase name", append(append([]string{}, get...), "Accept", "*/*"), true, false},
		{"pseudo after regular", append([]string{"accept", "*/*"}, get...), true, false},
		{"bad value", append(append([]string{}, get...), "x", "a\x00b"), true, false},
		{"space in name", append(append([]string{}, get...), "a b", "1"), true, false},
		{"too large", []string{"x", strings.Repeat("a", 400)}, false, true},
	}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c := newConn(t.Context(), nil, c1, nil, nil)
	defer c.cancel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hb := headerBlock{maxList: 400}
			for _, f := range fields(tt.fields...) {
				hb.emit(f)
			}
			if hb.truncated != tt.truncated {
				t.Fatalf("truncated %v; want %v", hb.truncated, tt.truncated)
			}
			if tt.truncated {
				return
			}
			if len(hb.fields) != len(tt.fields)/2 {
				t.Fatalf("emit kept %d fields; want %d", len(hb.fields), len(tt.fields)/2)
			}
			_, err := c.newRequest(c.newStreamLocked(1), hb.fields, true)
			if (err != nil) != tt.invalid {
				t.Errorf("newRequest error = %v; want invalid=%v", err, tt.invalid)
			}
		})
	}
}
