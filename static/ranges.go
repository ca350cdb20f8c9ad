package static

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// maxRanges is the most range-specs accepted in one Range field; a longer
// list is ignored and the whole representation sent (RFC 9110 §14.2, §17.15).
const maxRanges = 100

// byteRange is a satisfiable range: first byte and length.
type byteRange struct {
	start, length int64
}

// contentRange is the Content-Range value of r in a representation of size
// bytes (RFC 9110 §14.4).
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" +
		strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// rangeResult says what to do with a Range field.
type rangeResult int

const (
	rangeIgnore        rangeResult = iota // send 200 with everything
	rangeOK                               // send 206 with the ranges
	rangeUnsatisfiable                    // send 416
)

// parseRange parses a Range field value (RFC 9110 §14.1.1, §14.2) against
// a representation of size bytes. An unknown unit, a syntax error or more
// than maxRanges specs make the field ignored. Unsatisfiable specs are
// dropped; if none is left the result is rangeUnsatisfiable. The ranges are
// sorted and those that overlap or touch are coalesced (§14.2 permits this
// regardless of their order), so no byte is sent twice.
func parseRange(s string, size int64) ([]byteRange, rangeResult) {
	unit, set, ok := strings.Cut(s, "=")
	if !ok || !strings.EqualFold(trimOWS(unit), "bytes") {
		return nil, rangeIgnore
	}
	var rs []byteRange
	n := 0
	for set != "" {
		var spec string
		spec, set, _ = strings.Cut(set, ",")
		spec = trimOWS(spec)
		if spec == "" {
			continue // empty list elements are allowed (§5.6.1)
		}
		if n++; n > maxRanges {
			return nil, rangeIgnore
		}
		r, satisfiable, ok := parseSpec(spec, size)
		if !ok {
			return nil, rangeIgnore
		}
		if satisfiable {
			rs = append(rs, r)
		}
	}
	if n == 0 {
		return nil, rangeIgnore
	}
	if len(rs) == 0 {
		return nil, rangeUnsatisfiable
	}
	return coalesce(rs), rangeOK
}

// parseSpec parses one int-range or suffix-range.
func parseSpec(spec string, size int64) (r byteRange, satisfiable, ok bool) {
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return r, false, false
	}
	if first == "" { // suffix-range: the last N bytes
		n, ok := parseDigits(last)
		if !ok {
			return r, false, false
		}
		if n == 0 || size == 0 {
			return r, false, true
		}
		n = min(n, size)
		return byteRange{size - n, n}, true, true
	}
	start, ok := parseDigits(first)
	if !ok {
		return r, false, false
	}
	end := int64(-1)
	if last != "" {
		if end, ok = parseDigits(last); !ok || end < start {
			return r, false, false
		}
	}
	if start >= size {
		return r, false, true
	}
	if end < 0 || end >= size {
		end = size - 1
	}
	return byteRange{start, end - start + 1}, true, true
}

// parseDigits parses 1*DIGIT; values beyond int64 saturate, so a huge
// first-pos is unsatisfiable and a huge last-pos means "to the end".
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63-1-9)/10 {
			n = 1<<63 - 1
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// coalesce sorts rs and merges ranges that overlap or touch.
func coalesce(rs []byteRange) []byteRange {
	if len(rs) == 1 {
		return rs
	}
	slices.SortFunc(rs, func(a, b byteRange) int { return cmp.Compare(a.start, b.start) })
	out := rs[:1]
	for _, r := range rs[1:] {
		p := &out[len(out)-1]
		if r.start <= p.start+p.length {
			p.length = max(p.length, r.start+r.length-p.start)
			continue
		}
		out = append(out, r)
	}
	return out
}
