package h2

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

func TestAppendLiteral(t *testing.T) {
	tests := []struct {
		idx   int
		name  string
		value string
	}{
		{hpackDate, "date", "Wed, 25 Nov 2026 03:00:00 GMT"},
		{hpackContentLength, "content-length", "1024"},
		{hpackContentLength, "content-length", ""},
		{hpackContentLength, "content-length", strings.Repeat("9", 300)},
	}
	for _, tt := range tests {
		var got []hpack.HeaderField
		d := hpack.NewDecoder(4096, func(f hpack.HeaderField) { got = append(got, f) })
		block := appendLiteral(nil, tt.idx, tt.value)
		if _, err := d.Write(block); err != nil || d.Close() != nil {
			t.Fatalf("decoding %x: %v", block, err)
		}
		if len(got) != 1 || got[0].Name != tt.name || got[0].Value != tt.value {
			t.Errorf("decoded %v; want %s: %q", got, tt.name, tt.value)
		}
	}
	if b := appendHpackInt(nil, 4, 0, 1337); !bytes.Equal(b, []byte{0x0f, 0xaa, 0x0a}) {
		t.Errorf("appendHpackInt(1337) = %x", b)
	}
}
