package h3

import (
	"net/http"
	"strings"
	"testing"

	"github.com/quic-go/qpack"
)

// TestAppendDateField: the cached date field decodes, after fields the
// pooled encoder wrote, to the Date of the moment, as qpack.Encoder's own
// encoding of it would.
func TestAppendDateField(t *testing.T) {
	for i := range 2 { // made, then from the cache
		e := getEncoder()
		e.enc.WriteField(qpack.HeaderField{Name: ":status", Value: "200"})
		e.block = appendDateField(e.block)
		fields, err := decodeFields(e.block, 1<<20)
		putEncoder(e)
		if err != nil {
			t.Fatalf("round %d: decoding: %v", i, err)
		}
		if len(fields) != 2 || fields[1].Name != "date" {
			t.Fatalf("round %d: fields %v; want :status and date", i, fields)
		}
		if _, err := http.ParseTime(fields[1].Value); err != nil {
			t.Errorf("round %d: date %q: %v", i, fields[1].Value, err)
		}
	}
}

func TestAppendPrefixInt(t *testing.T) {
	tests := []struct {
		n     uint
		flags byte
		v     uint64
		want  []byte
	}{
		{4, 0x50, 6, []byte{0x56}},
		{7, 0x80, 22, []byte{0x96}},
		{7, 0x80, 127, []byte{0xff, 0x00}},
		{5, 0x00, 1337, []byte{0x1f, 0x9a, 0x0a}}, // RFC 7541 C.1.2
	}
	for _, tt := range tests {
		got := appendPrefixInt(nil, tt.n, tt.flags, tt.v)
		if string(got) != string(tt.want) {
			t.Errorf("appendPrefixInt(%d, %#x, %d) = %x; want %x", tt.n, tt.flags, tt.v, got, tt.want)
		}
	}
}

// TestStatusValue covers the table and the codes outside it.
func TestStatusValue(t *testing.T) {
	for code, want := range map[int]string{100: "100", 200: "200", 599: "599", 600: "600", 999: "999"} {
		if got := statusValue(code); got != want {
			t.Errorf("statusValue(%d) = %q; want %q", code, got, want)
		}
	}
}

// TestEncoderPoolStartsSections: a pooled encoder writes the section
// prefix again for its next section.
func TestEncoderPoolStartsSections(t *testing.T) {
	for i := range 3 {
		e := getEncoder()
		e.enc.WriteField(qpack.HeaderField{Name: "x-round", Value: strings.Repeat("a", i)})
		fields, err := decodeFields(e.block, 1<<20)
		putEncoder(e)
		if err != nil || len(fields) != 1 {
			t.Fatalf("round %d: %v, %v; want one field", i, fields, err)
		}
	}
}
