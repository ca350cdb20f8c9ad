package proxy

import (
	"bufio"
	"errors"
	"io"
	"math"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/triohttp/trio/internal/chunked"
)

// The HTTP/1.1 response framing of the upstream client (h1client.go),
// following RFC 9112 with the strictness that package h1 applies to the
// requests it serves: one space between the parts of the status line,
// field names that are tokens directly followed by the colon, no control
// bytes in values, no obs-fold (§5.2: a proxy answers 502 rather than
// forwarding one), Transfer-Encoding exactly "chunked", refused in
// HTTP/1.0 and beside Content-Length (§6.3: "ought to be handled as an
// error", a smuggling attempt), Content-Length digits only and equal when
// repeated. A response that breaks a rule is an errBadResponse: the client
// gets 502 and the connection is closed.

// errBadResponse wraps every framing error of an upstream's response.
var errBadResponse = errors.New("proxy: invalid HTTP/1.1 response from upstream")

func badResponse(msg string) error { return &responseError{msg} }

// A responseError is a response the upstream client refuses.
type responseError struct{ msg string }

func (e *responseError) Error() string { return "proxy: invalid response from upstream: " + e.msg }
func (e *responseError) Unwrap() error { return errBadResponse }

// maxResponseHead bounds an upstream's response head (status line and
// fields), and its trailer section.
const maxResponseHead = 1 << 20

// A respHead is a parsed response head. Its strings are parts of the one
// string the head was read into.
type respHead struct {
	code          int
	status        string // "200 OK": code and reason, as http.Response.Status
	minor         int    // HTTP/1.minor
	header        http.Header
	contentLength int64 // -1 if absent
	chunked       bool
	close         bool     // Connection: close, or HTTP/1.0 without keep-alive
	trailer       []string // announced trailer fields, canonical
}

// readHead reads a response head from br, from its status line to the
// empty line that ends it, appending it to buf. Lines end in CRLF or a bare
// LF (RFC 9112 §2.2). An EOF before the first byte is io.EOF; inside the
// head, io.ErrUnexpectedEOF.
func readHead(br *bufio.Reader, buf []byte) ([]byte, error) {
	start := len(buf)
	lineStart := start
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf)-start > maxResponseHead {
			return buf, badResponse("head too large")
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(buf) == start {
				return buf, io.EOF
			}
			return buf, io.ErrUnexpectedEOF
		default:
			return buf, err
		}
		line := buf[lineStart:]
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			if lineStart == start {
				return buf, badResponse("empty line before the status line")
			}
			return buf, nil
		}
		lineStart = len(buf)
	}
}

// parseHead parses s, a head as readHead returns it, into h, and decides
// the framing of the body of a response to method (§6.3). The fields go
// into h.header if it is not nil (cleared first), else into a new map.
func parseHead(s, method string, h *respHead) error {
	line, rest, _ := strings.Cut(s, "\n")
	line = strings.TrimSuffix(line, "\r")
	if err := h.statusLine(line); err != nil {
		return err
	}
	h.contentLength = -1
	fields := max(0, strings.Count(rest, "\n")-1)
	if h.header == nil {
		h.header = make(http.Header, fields)
	} else {
		clear(h.header) // one the caller reuses
	}
	vals := make([]string, 0, fields)
	tes, te := 0, ""
	keepAlive := false
	for {
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		name, value, err := splitField(line)
		if err != nil {
			return err
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Content-Length":
			n, ok := parseLength(value)
			if !ok || (h.contentLength >= 0 && h.contentLength != n) {
				return badResponse("bad Content-Length")
			}
			h.contentLength = n
		case "Transfer-Encoding":
			tes++
			te = value
		case "Connection":
			for t := range strings.SplitSeq(value, ",") {
				t = strings.Trim(t, " \t")
				switch {
				case strings.EqualFold(t, "close"):
					h.close = true
				case strings.EqualFold(t, "keep-alive"):
					keepAlive = true
				}
			}
		case "Trailer":
			for t := range strings.SplitSeq(value, ",") {
				if t = strings.Trim(t, " \t"); t != "" {
					k := textproto.CanonicalMIMEHeaderKey(t)
					switch k {
					case "Transfer-Encoding", "Content-Length", "Trailer":
						return badResponse("bad trailer key")
					}
					h.trailer = append(h.trailer, k)
				}
			}
		}
		if vv := h.header[key]; vv != nil {
			h.header[key] = append(vv, value)
			continue
		}
		vals = append(vals, value)
		h.header[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if h.minor == 0 && !keepAlive {
		h.close = true
	}
	switch {
	case tes == 0:
	case h.minor == 0:
		return badResponse("Transfer-Encoding in an HTTP/1.0 response")
	case tes > 1 || !strings.EqualFold(te, "chunked"):
		return badResponse("unsupported transfer encoding")
	case h.contentLength >= 0:
		return badResponse("both Transfer-Encoding and Content-Length")
	default:
		h.chunked = true
		delete(h.header, "Transfer-Encoding")
	}
	if h.code < 200 || h.code == http.StatusNoContent || h.code == http.StatusNotModified || method == http.MethodHead {
		h.chunked = false // no body, whatever the fields say
	}
	return nil
}

// statusLine parses HTTP-version SP status-code [SP reason-phrase].
func (h *respHead) statusLine(line string) error {
	if len(line) < 12 || line[:7] != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' {
		return badResponse("malformed status line")
	}
	h.minor = int(line[7] - '0')
	code := line[9:12]
	if !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] == '0' {
		return badResponse("malformed status code")
	}
	h.code = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if len(line) > 12 && line[12] != ' ' {
		return badResponse("malformed status code")
	}
	for i := 13; i < len(line); i++ {
		if b := line[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return badResponse("control byte in the reason phrase")
		}
	}
	h.status = line[9:]
	return nil
}

// splitField splits a field line into name and value, with the value's
// surrounding whitespace trimmed.
func splitField(line string) (name, value string, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", badResponse("obs-fold or whitespace before a field line")
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok || !isToken(name) {
		return "", "", badResponse("invalid field name")
	}
	value = strings.Trim(value, " \t")
	if !validValue(value) {
		return "", "", badResponse("invalid field value")
	}
	return name, value, nil
}

// validValue reports whether a field value holds no control byte but
// HTAB.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// tokenChars are the tchar of RFC 9110 §5.6.2.
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length value: decimal digits only, below
// 2^63.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		if n > (math.MaxInt64-int64(s[i]-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// A chunkedReader reads the chunked coding (RFC 9112 §7.1) with package
// h1's rules: chunk-size lines end in CRLF and hold 1 to 16 hex digits
// below 2^63, optionally followed by whitespace or a chunk extension;
// chunk data is followed by CRLF; trailer fields follow the last chunk,
// their lines ended by CRLF too.
type chunkedReader struct {
	br       *bufio.Reader
	remain   int64 // of the current chunk
	needCRLF bool
	trailer  http.Header // the trailer fields, once the last chunk came
}

// Read reads chunk data; at the end of the body, once the trailer section
// is read into r.trailer, it returns io.EOF.
func (r *chunkedReader) Read(p []byte) (int, error) {
	for {
		if r.remain > 0 {
			if int64(len(p)) > r.remain {
				p = p[:r.remain]
			}
			n, err := r.br.Read(p)
			r.remain -= int64(n)
			if r.remain == 0 {
				r.needCRLF = true
			}
			if n > 0 {
				return n, nil
			}
			return 0, unexpected(err)
		}
		if r.needCRLF {
			if err := expectCRLF(r.br); err != nil {
				return 0, err
			}
			r.needCRLF = false
		}
		size, err := readChunkSize(r.br)
		if err != nil {
			return 0, err
		}
		if size == 0 {
			if err := r.readTrailer(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		r.remain = size
	}
}

func expectCRLF(br *bufio.Reader) error {
	var crlf [2]byte
	if _, err := io.ReadFull(br, crlf[:]); err != nil {
		return unexpected(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return badResponse("chunk data not followed by CRLF")
	}
	return nil
}

var errChunkSize = badResponse("malformed chunk-size line")

// readChunkSize reads a chunk-size line and returns the size.
func readChunkSize(br *bufio.Reader) (int64, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return 0, errChunkSize
	case err != nil:
		return 0, unexpected(err)
	case len(line) < 2 || line[len(line)-2] != '\r':
		return 0, errChunkSize
	}
	size, ext, ok := chunked.Size(line[:len(line)-2])
	if !ok {
		return 0, errChunkSize
	}
	for _, c := range ext {
		if c < ' ' && c != '\t' || c == 0x7f {
			return 0, errChunkSize
		}
	}
	return size, nil
}

// readTrailer reads the trailer section into r.trailer. Fields that frame
// or route the message (RFC 9110 §6.5.1) are dropped.
func (r *chunkedReader) readTrailer() error {
	total := 0
	for {
		line, err := r.br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			return badResponse("trailer line too long")
		case err != nil:
			return unexpected(err)
		}
		if total += len(line); total > maxResponseHead {
			return badResponse("trailer section too large")
		}
		// CRLF only, as chunk-size lines: in a chunked body a bare LF is
		// where parsers disagree, and net/http refuses it at the end.
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return badResponse("trailer line not ended by CRLF")
		}
		if len(line) == 2 {
			return nil
		}
		s := string(line[:len(line)-2])
		name, value, err := splitField(s)
		if err != nil {
			return err
		}
		k := textproto.CanonicalMIMEHeaderKey(name)
		switch k {
		case "Transfer-Encoding", "Content-Length", "Trailer", "Host", "Connection", "Keep-Alive", "Te", "Upgrade":
			continue
		}
		if r.trailer == nil {
			r.trailer = make(http.Header)
		}
		r.trailer[k] = append(r.trailer[k], value)
	}
}
