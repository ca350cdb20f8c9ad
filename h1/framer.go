package h1

import (
	"math"
	"strings"
)

// A fault is what a request's framing obliges the server to do.
type fault int32

const (
	faultNone   fault = iota
	faultClose        // answer, then close: Content-Length with Transfer-Encoding, or framing the framer cannot follow
	faultReject       // answer 400, then close: Transfer-Encoding in HTTP/1.0
)

// Framer states. The framer reads a byte at a time except in bodies,
// which it skips in bulk.
const (
	stStart        uint8 = iota // before a request line; empty lines are skipped
	stMethod                    // request method, up to SP
	stTarget                    // request-target, up to SP
	stVersion                   // HTTP-version, up to LF
	stLineStart                 // start of a field line, or of the empty line ending the head
	stLineCR                    // CR at the start of a line: the head ends at LF
	stName                      // field name, up to ':'
	stValue                     // field value, up to LF
	stBody                      // n bytes of a Content-Length body left
	stChunkSize                 // hex digits of a chunk-size line
	stChunkOWS                  // whitespace after the chunk size
	stChunkExt                  // chunk extension, up to CR
	stChunkLF                   // LF ending a chunk-size line
	stChunkData                 // n bytes of chunk data left
	stChunkCR                   // CR after chunk data
	stChunkDataLF               // LF after chunk data
	stTrailerStart              // start of a trailer line, or of the empty line ending the body
	stTrailerLF                 // LF of the empty line ending the body
	stTrailer                   // inside a trailer line
)

// Which field a line holds.
const (
	fieldNone  uint8 = iota // no field line yet in this head
	fieldOther              // a field the framing does not depend on
	fieldCL                 // Content-Length
	fieldTE                 // Transfer-Encoding
)

// maxChunkLine is net/http's limit on a chunk-size line (internal/chunked.go).
const maxChunkLine = 4096

// A framer follows the request framing of one HTTP/1.1 connection (RFC 9112
// §2-§7): request line, field lines, then the body by Content-Length or
// chunked coding, then the next request. It reads the bytes net/http reads,
// as net/http reads them, and records the first request whose framing RFC
// 9112 §6.1 says must end the connection, or whose target is too long. It
// follows no further after either, after the HTTP/2 preface, or after
// anything it cannot follow; it holds no more than a few fixed fields, so it
// allocates nothing and its memory does not depend on the input.
//
// Its rules are net/http's (textproto lines may end in a bare LF; chunk
// lines must end in CRLF; Transfer-Encoding must be exactly "chunked"), so
// that for every request net/http accepts it finds the same end.
type framer struct {
	maxURI int64 // longest request-target allowed

	// Results: fault, longURI and foreign are set once, and then stopped.
	fault    fault
	faultReq int64 // the request the fault is about
	longURI  int64 // the request whose target is longer than maxURI, or -1
	foreign  bool  // the first request line names a version that is not HTTP
	stopped  bool  // no longer following: a result is set, or HTTP/2 began

	onEnd func(off int64) // if set, called with the offset just past each request

	st   uint8
	off  int64 // bytes fed
	req  int64 // index of the current request, -1 before the first
	n    int64 // bytes in the current token or line; body or chunk bytes left
	tok  [24]byte
	tokN int // bytes of the current token, counting those beyond tok

	// The current head.
	http10 bool
	pri    bool  // method is PRI: an HTTP/2 preface if the version is HTTP/2.0
	field  uint8 // what the current field line holds
	cl     int64 // Content-Length, -1 if absent
	clBad  bool  // a Content-Length net/http rejects
	teN    int   // Transfer-Encoding lines
	teOK   bool  // the last one says exactly "chunked"
	chunk  uint64
	digits int
}

func newFramer(maxURI int64) framer {
	return framer{maxURI: maxURI, longURI: -1, req: -1}
}

// feed follows p, the next bytes of the connection.
func (f *framer) feed(p []byte) {
	for i := 0; i < len(p) && !f.stopped; {
		if f.st == stBody || f.st == stChunkData {
			k := min(int64(len(p)-i), f.n)
			i += int(k)
			f.off += k
			if f.n -= k; f.n == 0 {
				if f.st == stBody {
					f.end()
				} else {
					f.st = stChunkCR
				}
			}
			continue
		}
		f.off++
		f.step(p[i])
		i++
	}
}

func (f *framer) step(b byte) {
	switch f.st {
	case stStart:
		if b == '\r' || b == '\n' {
			return // RFC 9112 §2.2: empty lines before a request line
		}
		f.begin()
		f.add(b)
	case stMethod:
		switch b {
		case ' ':
			f.pri = f.token() == "PRI"
			f.st, f.n = stTarget, 0
		case '\r', '\n':
			f.notHTTP()
		default:
			f.add(b)
		}
	case stTarget:
		switch b {
		case ' ':
			f.st, f.tokN = stVersion, 0
		case '\r', '\n':
			f.notHTTP() // HTTP/0.9, or a broken line
		default:
			if f.n++; f.n > f.maxURI {
				f.longURI, f.stopped = f.req, true
			}
		}
	case stVersion:
		if b == '\n' {
			f.version()
			return
		}
		f.add(b)
	case stLineStart:
		switch b {
		case '\n':
			f.endHead()
		case '\r':
			f.st = stLineCR
		case ' ', '\t': // obs-fold continues the previous field line
			if f.field != fieldOther {
				f.giveUp()
				return
			}
			f.st = stValue
		default:
			f.st, f.tokN = stName, 0
			f.add(lower(b))
		}
	case stLineCR:
		if b != '\n' {
			f.giveUp()
			return
		}
		f.endHead()
	case stName:
		switch b {
		case ':':
			f.field = fieldOther
			switch f.token() {
			case "content-length":
				f.field = fieldCL
			case "transfer-encoding":
				f.field = fieldTE
			}
			f.st, f.tokN = stValue, 0
		case '\r', '\n':
			f.giveUp()
		default:
			f.add(lower(b))
		}
	case stValue:
		switch {
		case b == '\n':
			f.endField()
			f.st = stLineStart
		case f.field == fieldOther:
		case f.tokN == 0 && (b == ' ' || b == '\t'):
		default:
			f.add(b)
		}
	default:
		f.stepChunked(b)
	}
}

// stepChunked follows the chunked coding (RFC 9112 §7.1).
func (f *framer) stepChunked(b byte) {
	if f.st <= stChunkLF {
		if f.n++; f.n >= maxChunkLine {
			f.giveUp()
			return
		}
	}
	switch f.st {
	case stChunkSize:
		if v, ok := unhex(b); ok {
			if f.digits == 16 {
				f.giveUp()
				return
			}
			f.chunk, f.digits = f.chunk<<4|uint64(v), f.digits+1
			return
		}
		switch {
		case f.digits == 0:
			f.giveUp()
		case b == ';':
			f.st = stChunkExt
		case b == ' ' || b == '\t':
			f.st = stChunkOWS
		case b == '\r':
			f.st = stChunkLF
		default:
			f.giveUp()
		}
	case stChunkOWS: // net/http allows whitespace only at the end of the line
		switch b {
		case ' ', '\t':
		case '\r':
			f.st = stChunkLF
		default:
			f.giveUp()
		}
	case stChunkExt:
		switch b {
		case '\r':
			f.st = stChunkLF
		case '\n':
			f.giveUp()
		}
	case stChunkLF:
		switch {
		case b != '\n':
			f.giveUp()
		case f.chunk == 0:
			f.st = stTrailerStart
		default:
			f.st, f.n = stChunkData, int64(min(f.chunk, math.MaxInt64))
		}
	case stChunkCR:
		f.expect(b, '\r', stChunkDataLF)
	case stChunkDataLF:
		if f.expect(b, '\n', stChunkSize) {
			f.n, f.chunk, f.digits = 0, 0, 0
		}
	case stTrailerStart:
		switch b {
		case '\r':
			f.st = stTrailerLF
		case '\n':
			f.end()
		default:
			f.st = stTrailer
		}
	case stTrailerLF:
		if b != '\n' {
			f.giveUp()
			return
		}
		f.end()
	case stTrailer:
		if b == '\n' {
			f.st = stTrailerStart
		}
	}
}

// begin starts request f.req+1.
func (f *framer) begin() {
	f.req++
	f.st, f.tokN = stMethod, 0
	f.http10, f.pri, f.field = false, false, fieldNone
	f.cl, f.clBad, f.teN, f.teOK = -1, false, 0, false
}

// version ends the request line.
func (f *framer) version() {
	v := f.token()
	if len(v) > 0 && v[len(v)-1] == '\r' {
		v = v[:len(v)-1]
	}
	switch {
	case f.pri && v == "HTTP/2.0":
		f.stopped = true // prior-knowledge h2c: net/http hands the connection to HTTP/2
		return
	case f.tokN <= len(f.tok) && !strings.Contains(v, "HTTP/"):
		f.notHTTP() // a line with "HTTP/" further on (extra spaces) is broken HTTP: 400
		return
	case len(v) != len("HTTP/1.1") || v[:7] != "HTTP/1." || v[7] < '0' || v[7] > '9':
		f.giveUp() // net/http answers 400 or 505
		return
	}
	f.http10 = v[7] == '0'
	f.st = stLineStart
}

// endField ends a field line.
func (f *framer) endField() {
	v := trimOWS(f.token())
	overflow := f.tokN > len(f.tok)
	switch f.field {
	case fieldCL:
		n, ok := parseLength(v)
		if overflow || !ok || (f.cl >= 0 && f.cl != n) {
			f.clBad = true
			return
		}
		f.cl = n
	case fieldTE:
		f.teN++
		f.teOK = !overflow && equalFold(v, "chunked")
	}
}

// endHead ends the head and decides the framing of the body (RFC 9112 §6).
func (f *framer) endHead() {
	switch {
	case f.teN > 0 && f.http10:
		f.setFault(faultReject) // §6.1: faulty framing; net/http would go by Content-Length
	case f.teN > 0 && (f.teN > 1 || !f.teOK):
		f.giveUp() // net/http answers 501
	case f.teN > 0 && (f.cl >= 0 || f.clBad):
		f.setFault(faultClose) // §6.1: Transfer-Encoding wins, then close
	case f.teN > 0:
		f.st, f.n, f.chunk, f.digits = stChunkSize, 0, 0, 0
	case f.clBad:
		f.giveUp() // net/http answers 400
	case f.cl > 0:
		f.st, f.n = stBody, f.cl
	default:
		f.end()
	}
}

// end ends the current request.
func (f *framer) end() {
	f.st = stStart
	if f.onEnd != nil {
		f.onEnd(f.off)
	}
}

// giveUp stops following a stream it cannot: the connection is closed after
// the response to the current request, which net/http has likely rejected.
func (f *framer) giveUp() { f.setFault(faultClose) }

// notHTTP ends a request line with no version, or one that is not HTTP. On
// a connection's first line that is neither HTTP/1 nor the HTTP/2 preface:
// the connection is foreign. Later, net/http answers 400.
func (f *framer) notHTTP() {
	if f.req == 0 {
		f.foreign, f.stopped = true, true
		return
	}
	f.giveUp()
}

func (f *framer) setFault(k fault) {
	f.fault, f.faultReq, f.stopped = k, max(f.req, 0), true
}

func (f *framer) expect(b, want byte, next uint8) bool {
	if b != want {
		f.giveUp()
		return false
	}
	f.st = next
	return true
}

func (f *framer) add(b byte) {
	if f.tokN < len(f.tok) {
		f.tok[f.tokN] = b
	}
	f.tokN++
}

// token is the current token, cut at the size of tok. The conversion does
// not allocate where it is only compared.
func (f *framer) token() string { return string(f.tok[:min(f.tokN, len(f.tok))]) }

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
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

// trimOWS trims what textproto trims around a field value.
func trimOWS(s string) string {
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// parseLength parses a Content-Length value as net/http does: decimal
// digits only, below 2^63.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-int64(s[i]-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(t[i]) {
			return false
		}
	}
	return true
}
