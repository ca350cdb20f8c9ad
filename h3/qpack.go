package h3

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/quic-go/qpack"
	"golang.org/x/net/http2/hpack"

	"github.com/triohttp/trio/internal/httpmsg"
)

// An encoder is a QPACK encoder with the field section it writes to,
// kept in a pool: encoding a response's fields allocates nothing.
type encoder struct {
	block appender
	enc   *qpack.Encoder
}

var encoderPool = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = qpack.NewEncoder(&e.block)
	return e
}}

func getEncoder() *encoder { return encoderPool.Get().(*encoder) }

func putEncoder(e *encoder) {
	e.enc.Close() // the next section starts with its prefix again
	if cap(e.block) <= 4<<10 {
		e.block = e.block[:0]
		encoderPool.Put(e)
	}
}

// statusValues holds the :status values of the codes 100 to 599, so that
// formatting one allocates nothing.
var statusValues = func() (v [500]string) {
	for i := range v {
		v[i] = strconv.Itoa(100 + i)
	}
	return v
}()

// statusValue is code as a :status value.
func statusValue(code int) string {
	if code >= 100 && code < 600 {
		return statusValues[code-100]
	}
	return strconv.Itoa(code)
}

// A dateField is the encoded date field of the responses of one second:
// a literal with a reference to the static table's "date" (RFC 9204
// appendix A, index 6) and a Huffman-coded value, as qpack.Encoder writes
// it, made once a second instead of once a response.
type dateField struct {
	date string // httpmsg.Date's value it encodes
	b    []byte
}

var lastDate atomic.Pointer[dateField]

// qpackDateIndex is "date" in QPACK's static table.
const qpackDateIndex = 6

// appendDateField appends the current Date field to a field section
// whose prefix is written.
func appendDateField(b []byte) []byte {
	d := httpmsg.Date()
	if f := lastDate.Load(); f != nil && f.date == d {
		return append(b, f.b...)
	}
	// 01NT + 4-bit index, T=1 (static), N=0; then H=1 + 7-bit length.
	f := &dateField{date: d}
	f.b = appendPrefixInt(f.b, 4, 0x50, qpackDateIndex)
	f.b = appendPrefixInt(f.b, 7, 0x80, hpack.HuffmanEncodeLength(d))
	f.b = hpack.AppendHuffmanString(f.b, d)
	lastDate.Store(f)
	return append(b, f.b...)
}

// appendPrefixInt appends v as an integer with an n-bit prefix (RFC 7541
// section 5.1) whose first byte also carries the bits of flags.
func appendPrefixInt(b []byte, n uint, flags byte, v uint64) []byte {
	max := uint64(1)<<n - 1
	if v < max {
		return append(b, flags|byte(v))
	}
	b = append(b, flags|byte(max))
	for v -= max; v >= 0x80; v >>= 7 {
		b = append(b, byte(v&0x7f)|0x80)
	}
	return append(b, byte(v))
}
