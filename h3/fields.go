package h3

import (
	"errors"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/quic-go/qpack"
)

// errTooLarge is a field section above the limit: answered 431, the
// request stream stopped with H3_EXCESSIVE_LOAD.
var errTooLarge = errors.New("h3: field section too large")

// decodeFields decodes a QPACK field section. A section the decoder
// rejects, such as one referencing the dynamic table trio does not allow,
// is a connection error QPACK_DECOMPRESSION_FAILED (RFC 9204 section
// 2.2.3); one above limit bytes (RFC 9114 section 4.2.2) is errTooLarge.
func decodeFields(block []byte, limit int) ([]qpack.HeaderField, error) {
	return decodeRequestFields(block, limit, math.MaxInt)
}

// decodeRequestFields is decodeFields stopping with errTooManyFields at
// the first regular field past maxFields (cookie crumbs count once), as
// the field is decoded: a section of thousands of one-byte static table
// references is not decoded whole before it is refused.
func decodeRequestFields(block []byte, limit, maxFields int) ([]qpack.HeaderField, error) {
	return appendRequestFields(make([]qpack.HeaderField, 0, 16), block, limit, maxFields)
}

// appendRequestFields is decodeRequestFields appending to fields.
func appendRequestFields(fields []qpack.HeaderField, block []byte, limit, maxFields int) ([]qpack.HeaderField, error) {
	next := decoder.Decode(block)
	size, n, cookie := 0, 0, false
	for {
		f, err := next()
		if err == io.EOF {
			return fields, nil
		}
		if err != nil {
			return nil, connErr(ErrQPACKDecompression, err.Error())
		}
		if size += len(f.Name) + len(f.Value) + 32; size > limit {
			return nil, errTooLarge
		}
		switch {
		case strings.HasPrefix(f.Name, ":"):
		case f.Name == "cookie":
			if !cookie {
				n++
			}
			cookie = true
		default:
			n++
		}
		if n > maxFields {
			return nil, errTooManyFields
		}
		fields = append(fields, f)
	}
}

// decoder keeps no state: trio's dynamic table capacity is 0.
var decoder = qpack.NewDecoder()

// A section holds a request's HEADERS payload and its decoded fields
// while the request is built from them: the strings the decoder returns
// are copies, so both are reused for the next request.
type section struct {
	block  []byte
	fields []qpack.HeaderField
}

// maxPooledSection is the largest HEADERS payload read into a pooled
// section; larger ones get their own.
const maxPooledSection = 4 << 10

var sectionPool = sync.Pool{New: func() any {
	return &section{block: make([]byte, 0, 512), fields: make([]qpack.HeaderField, 0, 16)}
}}

// getSection returns a section for a payload of n bytes, pooled if
// pooled is true (the frame is not being traced, which keeps it) and n
// is small.
func getSection(n uint64, pooled bool) *section {
	if !pooled || n > maxPooledSection {
		return &section{}
	}
	return sectionPool.Get().(*section)
}

func putSection(s *section) {
	if cap(s.block) == 0 || cap(s.block) > maxPooledSection || cap(s.fields) > 128 {
		return
	}
	clear(s.fields)
	s.block, s.fields = s.block[:0], s.fields[:0]
	sectionPool.Put(s)
}
