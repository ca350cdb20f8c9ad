package h2

import (
	"bytes"
	"strconv"
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

// hpackOp is one step of an encoder test: a field, a new table size limit
// (limit > 0), or the end of a header block.
type hpackOp struct {
	key, value string
	status     int
	limit      uint32 // SETTINGS_HEADER_TABLE_SIZE+1, when > 0
	end        bool
}

// checkHpackOps encodes ops with hpackEncoder and decodes each block with
// x/net's decoder, which must read back every field in order.
func checkHpackOps(t *testing.T, ops []hpackOp) {
	t.Helper()
	e := newHpackEncoder()
	var got []hpack.HeaderField
	d := hpack.NewDecoder(4096, func(f hpack.HeaderField) { got = append(got, f) })
	var want []hpack.HeaderField
	var block []byte
	started := false
	flush := func() {
		if !started {
			return
		}
		got = got[:0]
		if _, err := d.Write(block); err != nil {
			t.Fatalf("decoding block %x: %v", block, err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("closing block %x: %v", block, err)
		}
		if len(got) != len(want) {
			t.Fatalf("decoded %d fields %v; want %d %v", len(got), got, len(want), want)
		}
		for i := range got {
			if got[i].Name != want[i].Name || got[i].Value != want[i].Value {
				t.Fatalf("field %d = %s: %q; want %s: %q", i, got[i].Name, got[i].Value, want[i].Name, want[i].Value)
			}
		}
		block, want, started = block[:0], want[:0], false
	}
	for _, op := range ops {
		switch {
		case op.end:
			flush()
			continue
		case op.limit > 0:
			flush() // SETTINGS come between blocks
			e.setLimit(op.limit - 1)
			d.SetAllowedMaxDynamicTableSize(op.limit - 1)
			continue
		}
		if !started {
			block, started = e.begin(block[:0]), true
		}
		if op.status != 0 {
			block = e.status(block, op.status)
			want = append(want, hpack.HeaderField{Name: ":status", Value: strconv.Itoa(op.status)})
			continue
		}
		block = e.field(block, op.key, op.value)
		want = append(want, hpack.HeaderField{Name: lowerKey(op.key), Value: op.value})
	}
	flush()
}

func TestHpackEncoder(t *testing.T) {
	resp := []hpackOp{{status: 200}, {key: "Content-Type", value: "text/html"},
		{key: "Etag", value: `"abc"`}, {key: "X-Custom", value: "1"}, {key: "content-type", value: "text/html"}, {end: true}}
	var ops []hpackOp
	for range 3 {
		ops = append(ops, resp...)
	}
	tests := map[string][]hpackOp{
		"repeated response": ops,
		"statuses": {{status: 200}, {status: 204}, {status: 206}, {status: 304}, {status: 400},
			{status: 404}, {status: 500}, {status: 403}, {status: 403}, {status: 999}, {status: 100}},
		"alternating values": {{key: "Content-Type", value: "a"}, {key: "Content-Type", value: "b"},
			{key: "Content-Type", value: "a"}, {key: "Content-Type", value: "b"}, {end: true},
			{key: "Content-Type", value: "a"}},
		"too large to index": {{key: "X-Big", value: strings.Repeat("v", 5000)}, {key: "X-Big", value: strings.Repeat("v", 5000)}},
		"eviction": func() (ops []hpackOp) {
			for i := range 400 {
				ops = append(ops, hpackOp{key: "X-N" + strconv.Itoa(i%150), value: strings.Repeat("x", i%97)})
				if i%7 == 0 {
					ops = append(ops, hpackOp{end: true})
				}
			}
			return ops
		}(),
		"table shrinks": {{key: "A", value: "1"}, {key: "B", value: "2"}, {limit: 1 + 100},
			{key: "A", value: "1"}, {key: "B", value: "2"}, {limit: 1 + 0}, {limit: 1 + 50},
			{key: "A", value: "1"}, {key: "A", value: "1"}, {limit: 1 + 4096}, {key: "A", value: "1"}},
		"name from the dynamic table": {{key: "X-Name", value: "1"}, {key: "X-Name", value: "2"},
			{key: "X-Name", value: "3"}, {key: "X-Name", value: "4"}, {key: "X-Name", value: "5"}, {key: "X-Name", value: "1"}},
	}
	for name, ops := range tests {
		t.Run(name, func(t *testing.T) { checkHpackOps(t, ops) })
	}
}

// FuzzHpackEncoder drives the encoder with fields, limits and block ends
// read from the input: x/net's decoder must read back every block.
func FuzzHpackEncoder(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07"))
	f.Add([]byte("\x10\x11\x12\x13\xf0\x14\x15\xe1\x16\x17\x18"))
	f.Add([]byte("\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d\x2e\x2f\xe0\xe2\xe3"))
	keys := []string{"Content-Type", "content-type", "Etag", "X-A", "X-B", "Set-Cookie", "Date", "Vary", "Www-Authenticate"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ops []hpackOp
		for i, c := range data {
			switch {
			case c >= 0xf0:
				ops = append(ops, hpackOp{end: true})
			case c >= 0xe0:
				ops = append(ops, hpackOp{limit: 1 + uint32(c&0x0f)*300})
			case c >= 0xd0:
				ops = append(ops, hpackOp{status: 100 + int(c&0x0f)*50})
			default:
				v := strings.Repeat(string(rune('a'+c%26)), int(c>>3)*int(c>>3))
				if i%5 == 0 {
					v += strconv.Itoa(i)
				}
				ops = append(ops, hpackOp{key: keys[int(c)%len(keys)], value: v})
			}
		}
		checkHpackOps(t, ops)
	})
}

// staticResponse is the header of a static file response as trio serves
// it (status and Date aside).
var staticResponse = [][2]string{
	{"Alt-Svc", `h3=":8443"; ma=86400`},
	{"X-Content-Type-Options", "nosniff"},
	{"Etag", `"5y7xo-dnerkbe7drbx-sg"`},
	{"Last-Modified", "Mon, 07 Dec 2026 19:56:35 GMT"},
	{"Accept-Ranges", "bytes"},
	{"Cache-Control", "public, max-age=3600"},
	{"Content-Type", "application/octet-stream"},
	{"Content-Length", "1024"},
}

// BenchmarkHpackEncoder encodes staticResponse with :status 200 on one
// connection, once per op: hpackEncoder against x/net's Encoder.
func BenchmarkHpackEncoder(b *testing.B) {
	b.Run("trio", func(b *testing.B) {
		e := newHpackEncoder()
		var block []byte
		b.ReportAllocs()
		for b.Loop() {
			block = e.status(e.begin(block[:0]), 200)
			for _, f := range staticResponse {
				block = e.field(block, f[0], f[1])
			}
		}
	})
	b.Run("xnet", func(b *testing.B) {
		var buf bytes.Buffer
		e := hpack.NewEncoder(&buf)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			e.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
			for _, f := range staticResponse {
				e.WriteField(hpack.HeaderField{Name: lowerKey(f[0]), Value: f[1]})
			}
		}
	})
}
