package h1

import (
	"net/http"
	"strings"

	"github.com/triohttp/trio/internal/httpmsg"
	"golang.org/x/net/http/httpguts"
)

// A head is a parsed request head. Its strings are parts of the one
// string the head was read into.
type head struct {
	method, target string
	minor          int // HTTP/1.minor
	header         http.Header
	host           string
	contentLength  int64 // -1 if absent
	chunked        bool
	smuggle        bool // Content-Length with Transfer-Encoding: close after answering
	close          bool // the client asked to close: Connection: close, or HTTP/1.0 without keep-alive
	keepAlive10    bool // HTTP/1.0 asking for keep-alive
	expect100      bool
	trailer        http.Header // declared trailer fields, canonical, nil values
}

func badRequest(msg string) *statusError { return &statusError{Code: 400, Msg: msg} }

// parseHead parses s, a request head as readHead returns it, into h
// following RFC 9112: one space between the three parts of the request
// line, a token method, field names that are tokens directly followed by
// the colon, field values without control bytes, no obs-fold. It decides
// the body's framing (§6): Transfer-Encoding must be exactly "chunked" and
// wins over Content-Length (the connection then closes after the response),
// is refused in HTTP/1.0; Content-Length must be digits, and equal if
// repeated. first says s is the connection's first request: a first line
// that is not HTTP at all is errNotHTTP.
func parseHead(s string, first bool, h *head) *statusError {
	line, rest, _ := strings.Cut(s, "\n")
	line = strings.TrimSuffix(line, "\r")
	if err := h.requestLine(line, first); err != nil {
		return err
	}
	h.contentLength = -1
	fields := strings.Count(rest, "\n")
	h.header = make(http.Header, fields)
	vals := make([]string, 0, fields)
	hosts, tes := 0, 0
	te := ""
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
		key := canonicalKey(name)
		switch key {
		case "Host":
			hosts++
			h.host = value
		case "Content-Length":
			n, ok := parseLength(value)
			if !ok || (h.contentLength >= 0 && h.contentLength != n) {
				return badRequest("bad Content-Length")
			}
			h.contentLength = n
		case "Transfer-Encoding":
			tes++
			te = value
		case "Connection":
			h.connection(value)
		case "Expect":
			if !equalFold(value, "100-continue") {
				return &statusError{Code: http.StatusExpectationFailed, Msg: "unsupported Expect"}
			}
			h.expect100 = true
		}
		if key == "Host" {
			continue // in r.Host, as net/http has it
		}
		if vv := h.header[key]; vv != nil {
			h.header[key] = append(vv, value)
			continue
		}
		vals = append(vals, value)
		h.header[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return h.framing(hosts, tes, te)
}

// requestLine parses method SP request-target SP HTTP-version.
func (h *head) requestLine(line string, first bool) *statusError {
	notHTTP := func() *statusError {
		if first {
			return errNotHTTP
		}
		return badRequest("malformed request line")
	}
	method, rest, ok := strings.Cut(line, " ")
	if !ok {
		return notHTTP()
	}
	target, proto, ok := strings.Cut(rest, " ")
	if !ok {
		return notHTTP()
	}
	switch {
	case proto == "HTTP/1.1":
		h.minor = 1
	case proto == "HTTP/1.0":
		h.minor = 0
	case len(proto) == 8 && proto[:5] == "HTTP/" && isDigit(proto[5]) && proto[6] == '.' && isDigit(proto[7]):
		if proto[5] != '1' {
			if first && method == "PRI" && proto == "HTTP/2.0" {
				return errNotHTTP // a broken HTTP/2 preface
			}
			return &statusError{Code: http.StatusHTTPVersionNotSupported, Msg: "HTTP Version Not Supported"}
		}
		h.minor = int(proto[7] - '0')
	case strings.Contains(proto, "HTTP/"):
		return badRequest("malformed HTTP version")
	default:
		return notHTTP()
	}
	if !isToken(method) {
		return badRequest("invalid method")
	}
	if target == "" || !validTarget(target) {
		return badRequest("invalid request-target")
	}
	h.method, h.target = internMethod(method), target
	return nil
}

// splitField splits a field line into name and value, with the value's
// surrounding whitespace trimmed.
func splitField(line string) (name, value string, err *statusError) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", badRequest("obs-fold or whitespace before a field line")
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok || !isToken(name) {
		return "", "", badRequest("invalid field name")
	}
	value = strings.Trim(value, " \t")
	if !httpmsg.ValidFieldValue(value) {
		return "", "", badRequest("invalid field value")
	}
	return name, value, nil
}

// connection notes the tokens of a Connection field.
func (h *head) connection(v string) {
	for t := range strings.SplitSeq(v, ",") {
		t = strings.Trim(t, " \t")
		switch {
		case equalFold(t, "close"):
			h.close = true
		case equalFold(t, "keep-alive"):
			h.keepAlive10 = true
		}
	}
}

// framing applies the rules that need the whole head.
func (h *head) framing(hosts, tes int, te string) *statusError {
	switch {
	case hosts > 1:
		return badRequest("more than one Host")
	case hosts == 0 && h.minor >= 1:
		return badRequest("missing required Host header")
	case hosts == 1 && !httpguts.ValidHostHeader(h.host):
		return badRequest("invalid Host")
	}
	if h.minor == 0 {
		h.close = h.close || !h.keepAlive10
		h.keepAlive10 = !h.close
	} else {
		h.keepAlive10 = false
	}
	if vv := h.header["Trailer"]; vv != nil {
		t, err := httpmsg.DeclaredTrailers(vv)
		if err != nil {
			return badRequest("bad trailer key")
		}
		h.trailer = t
	}
	switch {
	case tes == 0:
	case h.minor == 0:
		return badRequest("Transfer-Encoding in an HTTP/1.0 request")
	case tes > 1 || !equalFold(te, "chunked"):
		return &statusError{Code: http.StatusNotImplemented, Msg: "unsupported transfer encoding"}
	default:
		h.chunked = true
		h.smuggle = h.contentLength >= 0
		h.contentLength = -1
	}
	return nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !httpguts.IsTokenRune(rune(s[i])) {
			return false
		}
	}
	return true
}

// validTarget reports whether a request-target holds no whitespace or
// control bytes.
func validTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// internMethod returns the common methods as constants, so that a
// request's Method does not keep its head alive.
func internMethod(m string) string {
	switch m {
	case "GET":
		return http.MethodGet
	case "HEAD":
		return http.MethodHead
	case "POST":
		return http.MethodPost
	case "PUT":
		return http.MethodPut
	case "DELETE":
		return http.MethodDelete
	case "OPTIONS":
		return http.MethodOptions
	case "CONNECT":
		return http.MethodConnect
	case "PATCH":
		return http.MethodPatch
	}
	return m
}
