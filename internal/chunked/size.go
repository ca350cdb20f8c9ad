// Package chunked parses the chunk-size line of HTTP/1.1's chunked
// transfer coding (RFC 9112 §7.1), for h1's request bodies and the
// proxy's upstream responses alike.
package chunked

import "math"

// Size parses a chunk-size line without its CRLF: at most 16 hex digits
// (a size past math.MaxInt64 is refused), then nothing, whitespace alone,
// or a chunk extension that starts at once with ';' (whitespace before an
// extension is refused, as net/http refuses it). It returns the size and
// the extension from its ';', whose bytes the caller checks by its own
// rules.
func Size(line []byte) (size int64, ext []byte, ok bool) {
	var n uint64
	i := 0
	for ; i < len(line); i++ {
		v, isHex := unhex(line[i])
		if !isHex {
			break
		}
		if i == 16 {
			return 0, nil, false
		}
		n = n<<4 | uint64(v)
	}
	if i == 0 || n > math.MaxInt64 {
		return 0, nil, false
	}
	rest := line[i:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	if len(rest) > 0 && (rest[0] != ';' || len(rest) < len(line[i:])) {
		return 0, nil, false
	}
	return int64(n), rest, true
}

func unhex(b byte) (byte, bool) {
	switch {
	case '0' <= b && b <= '9':
		return b - '0', true
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10, true
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}
