package h3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/quic-go/qpack"
)

type hf = qpack.HeaderField

func get(extra ...hf) []hf {
	return append([]hf{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"},
		{Name: ":authority", Value: "example.com"}, {Name: ":path", Value: "/a?b=c"}}, extra...)
}

func TestNewRequest(t *testing.T) {
	connect := []hf{{Name: ":method", Value: "CONNECT"}, {Name: ":authority", Value: "example.com:443"}}
	ws := []hf{{Name: ":method", Value: "CONNECT"}, {Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: "https"}, {Name: ":authority", Value: "example.com"}, {Name: ":path", Value: "/chat"}}
	tests := []struct {
		name   string
		fields []hf
		ok     bool
	}{
		{"GET", get(), true},
		{"GET with fields", get(hf{Name: "accept", Value: "*/*"}, hf{Name: "te", Value: "trailers"}), true},
		{"Host instead of :authority", []hf{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"},
			{Name: ":path", Value: "/"}, {Name: "host", Value: "example.com"}}, true},
		{"OPTIONS *", []hf{{Name: ":method", Value: "OPTIONS"}, {Name: ":scheme", Value: "https"},
			{Name: ":authority", Value: "x"}, {Name: ":path", Value: "*"}}, true},
		{"CONNECT", connect, true},
		{"extended CONNECT", ws, true},
		{"no :method", get()[1:], false},
		{"no :path", get()[:3], false},
		{"no :scheme", append(get()[:1], get()[2:]...), false},
		{"no authority at all", append(get()[:2], get()[3]), false},
		{"empty :path", append(get()[:3], hf{Name: ":path", Value: ""}), false},
		{"relative :path", append(get()[:3], hf{Name: ":path", Value: "a"}), false},
		{"duplicate pseudo", get(hf{Name: ":path", Value: "/"}), false},
		{"unknown pseudo", get(hf{Name: ":foo", Value: "1"}), false},
		{"pseudo after regular", []hf{{Name: ":method", Value: "GET"}, {Name: "x", Value: "1"},
			{Name: ":scheme", Value: "https"}, {Name: ":authority", Value: "a"}, {Name: ":path", Value: "/"}}, false},
		{"uppercase name", get(hf{Name: "X-Check", Value: "1"}), false},
		{"bad name", get(hf{Name: "a b", Value: "1"}), false},
		{"bad value", get(hf{Name: "a", Value: "x\r\ny"}), false},
		{"connection", get(hf{Name: "connection", Value: "close"}), false},
		{"transfer-encoding", get(hf{Name: "transfer-encoding", Value: "chunked"}), false},
		{"upgrade", get(hf{Name: "upgrade", Value: "websocket"}), false},
		{"te gzip", get(hf{Name: "te", Value: "gzip"}), false},
		{"bad content-length", get(hf{Name: "content-length", Value: "-1"}), false},
		{"two content-lengths", get(hf{Name: "content-length", Value: "1"}, hf{Name: "content-length", Value: "2"}), false},
		{"CONNECT with :path", append(connect, hf{Name: ":path", Value: "/"}), false},
		{"CONNECT without :authority", connect[:1], false},
		{":protocol without CONNECT", append(get(), hf{Name: ":protocol", Value: "websocket"}), false},
		{"extended CONNECT without :path", ws[:4], false},
		{"host differs from :authority", get(hf{Name: "host", Value: "other"}), false},
	}
	for _, tt := range tests {
		r, err := newRequest(t.Context(), tt.fields)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v; want ok=%v", tt.name, err, tt.ok)
		}
		if err == nil && (r.Method == "" || r.URL == nil || r.Proto == "" || r.ProtoMajor != 3) {
			t.Errorf("%s: request %+v lacks method, URL or protocol", tt.name, r)
		}
	}
	r, _ := newRequest(t.Context(), get(hf{Name: "cookie", Value: "a=1"}, hf{Name: "cookie", Value: "b=2"},
		hf{Name: "content-length", Value: "7"}, hf{Name: "trailer", Value: "x-sum, x-other"}))
	if r.Host != "example.com" || r.URL.Path != "/a" || r.Header.Get("Cookie") != "a=1; b=2" || r.ContentLength != 7 {
		t.Errorf("request = %s %s %q %d; want example.com /a, joined cookies, length 7", r.Host, r.URL.Path, r.Header.Get("Cookie"), r.ContentLength)
	}
	if _, ok := r.Trailer["X-Sum"]; !ok || len(r.Trailer) != 2 {
		t.Errorf("Trailer = %v; want X-Sum and X-Other declared", r.Trailer)
	}
	r, _ = newRequest(t.Context(), ws)
	if ExtendedConnectProtocol(r) != "websocket" || r.Header.Get(":protocol") != "websocket" {
		t.Errorf("extended CONNECT: Proto %q, :protocol %q; want websocket", r.Proto, r.Header.Get(":protocol"))
	}
}

func TestDecodeFields(t *testing.T) {
	block := encodeFields(get(hf{Name: "x-long", Value: strings.Repeat("a", 100)})...)
	if _, err := decodeFields(block, 1<<10); err != nil {
		t.Errorf("decodeFields: %v", err)
	}
	if _, err := decodeFields(block, 100); !errors.Is(err, errTooLarge) {
		t.Errorf("decodeFields over the limit: %v; want errTooLarge", err)
	}
	// Required Insert Count 1: a dynamic table reference.
	if _, err := decodeFields([]byte{0x02, 0x00, 0x80}, 1<<10); err == nil || err.(*ConnError).Code != ErrQPACKDecompression {
		t.Errorf("dynamic reference: %v; want QPACK_DECOMPRESSION_FAILED", err)
	}
}

// TestDecodeRequestFields: the field count stops the decoding past
// maxFields regular fields; pseudo-header fields do not count and cookie
// crumbs count once.
func TestDecodeRequestFields(t *testing.T) {
	block := encodeFields(get(hf{Name: "cookie", Value: "a=1"}, hf{Name: "cookie", Value: "b=2"},
		hf{Name: "x-a", Value: "1"}, hf{Name: "x-b", Value: "2"})...)
	if fields, err := decodeRequestFields(block, 1<<10, 3); err != nil || len(fields) != 8 {
		t.Errorf("3 fields allowed: %d fields, %v; want all 8 (4 pseudo, 2 cookie crumbs, 2 more), nil", len(fields), err)
	}
	if _, err := decodeRequestFields(block, 1<<10, 2); !errors.Is(err, errTooManyFields) {
		t.Errorf("2 fields allowed: %v; want errTooManyFields", err)
	}
}

func TestQPACKStreams(t *testing.T) {
	tests := []struct {
		name    string
		encoder bool
		b       []byte
		want    ErrCode // 0: read to the end
	}{
		{"capacity 0", true, []byte{0x20}, 0},
		{"capacity 10", true, []byte{0x2a}, ErrQPACKEncoderStream},
		{"capacity large", true, []byte{0x3f, 0xff, 0x01}, ErrQPACKEncoderStream},
		{"insert", true, []byte{0xc0, 0x01, 'a'}, ErrQPACKEncoderStream},
		{"duplicate", true, []byte{0x00}, ErrQPACKEncoderStream},
		{"stream cancellation", false, []byte{0x44}, 0},
		{"section ack", false, []byte{0x84}, ErrQPACKDecoderStream},
		{"insert count increment", false, []byte{0x01}, ErrQPACKDecoderStream},
	}
	for _, tt := range tests {
		read := readQPACKDecoder
		if tt.encoder {
			read = readQPACKEncoder
		}
		err := read(bufio.NewReader(bytes.NewReader(tt.b)))
		var got ErrCode
		if ce, ok := err.(*ConnError); ok {
			got = ce.Code
		} else if err != io.EOF {
			t.Errorf("%s: %v; want io.EOF or a connError", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
		}
	}
}

func encodeFields(fields ...hf) []byte {
	var b appender
	enc := qpack.NewEncoder(&b)
	for _, f := range fields {
		enc.WriteField(f)
	}
	return b
}

// FuzzRequestHeaders decodes arbitrary bytes as a request's QPACK field
// section and validates it: no panic, and a request only when it has a
// method, a URL and HTTP/3 as its protocol. Every truncation of a valid
// section fails cleanly or yields a valid request.
func FuzzRequestHeaders(f *testing.F) {
	f.Add(encodeFields(get()...))
	f.Add(encodeFields(get(hf{Name: "content-length", Value: "10"}, hf{Name: "cookie", Value: "a=b"})...))
	f.Add(encodeFields(hf{Name: ":method", Value: "CONNECT"}, hf{Name: ":protocol", Value: "websocket"},
		hf{Name: ":scheme", Value: "https"}, hf{Name: ":authority", Value: "a"}, hf{Name: ":path", Value: "/"}))
	f.Fuzz(func(t *testing.T, block []byte) {
		for i := len(block); i >= 0; i-- {
			fields, err := decodeFields(block[:i], 64<<10)
			if err != nil {
				if _, ok := err.(*ConnError); !ok && !errors.Is(err, errTooLarge) {
					t.Fatalf("decodeFields(%x) = %v; want a connError or errTooLarge", block[:i], err)
				}
				continue
			}
			r, err := newRequest(t.Context(), fields)
			if err == nil && (r.Method == "" || r.URL == nil || r.ProtoMajor != 3) {
				t.Fatalf("newRequest(%v) = %+v; want a method, a URL and HTTP/3", fields, r)
			}
		}
	})
}
