package h3

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/quic-go/qpack"
	"golang.org/x/net/http/httpguts"
)

// pseudo holds a request's pseudo-header fields.
type pseudo struct {
	method, scheme, authority, path, protocol string
	hasAuthority, hasPath, hasScheme          bool
}

var (
	errBadPseudo  = errors.New("malformed pseudo-header fields")
	errFieldName  = errors.New("invalid field name")
	errFieldValue = errors.New("invalid field value")
	errConnHeader = errors.New("connection-specific field")
	errBadTE      = errors.New(`te other than "trailers"`)
	errBadLength  = errors.New("invalid content-length")
	errBadPath    = errors.New("invalid :path")
	errNoHost     = errors.New("no :authority or host")
)

// parsePseudo checks the pseudo-header fields of a request (RFC 9114
// section 4.3.1, RFC 9220 section 3): first, each once, none unknown, the
// right ones for the method. It returns the regular fields after them.
func parsePseudo(fields []qpack.HeaderField) (p pseudo, rest []qpack.HeaderField, err error) {
	i := 0
	for ; i < len(fields) && strings.HasPrefix(fields[i].Name, ":"); i++ {
		f := fields[i]
		var dst *string
		var has *bool
		switch f.Name {
		case ":method":
			dst = &p.method
		case ":scheme":
			dst, has = &p.scheme, &p.hasScheme
		case ":authority":
			dst, has = &p.authority, &p.hasAuthority
		case ":path":
			dst, has = &p.path, &p.hasPath
		case ":protocol":
			dst = &p.protocol
		default:
			return p, nil, errBadPseudo
		}
		if *dst != "" || has != nil && *has || f.Value == "" && f.Name != ":authority" {
			return p, nil, errBadPseudo
		}
		*dst = f.Value
		if has != nil {
			*has = true
		}
	}
	rest = fields[i:]
	switch {
	case p.method == "" || !httpguts.ValidHeaderFieldName(p.method):
		err = errBadPseudo
	case p.protocol != "":
		if p.method != http.MethodConnect || p.scheme == "" || p.path == "" || p.authority == "" {
			err = errBadPseudo
		}
	case p.method == http.MethodConnect:
		if p.hasScheme || p.hasPath || p.authority == "" {
			err = errBadPseudo
		}
	case p.scheme == "" || p.path == "":
		err = errBadPseudo
	}
	if err == nil && p.path != "" && p.path[0] != '/' && !(p.path == "*" && p.method == http.MethodOptions) {
		err = errBadPath
	}
	return p, rest, err
}

// checkField checks a regular field of a request or trailer section (RFC
// 9114 section 4.2): a lowercase token name, a valid value, no
// connection-specific field, te only "trailers".
func checkField(f qpack.HeaderField) error {
	if f.Name == "" || !httpguts.ValidHeaderFieldName(f.Name) || hasUpper(f.Name) {
		if strings.HasPrefix(f.Name, ":") {
			return errBadPseudo
		}
		return errFieldName
	}
	if !httpguts.ValidHeaderFieldValue(f.Value) {
		return errFieldValue
	}
	switch f.Name {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		return errConnHeader
	case "te":
		if f.Value != "trailers" {
			return errBadTE
		}
	}
	return nil
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// newRequest builds a request from its decoded field section, or reports
// why it is malformed (H3_MESSAGE_ERROR). ContentLength is the declared
// content-length, or -1.
func newRequest(fields []qpack.HeaderField) (*http.Request, error) {
	p, rest, err := parsePseudo(fields)
	if err != nil {
		return nil, err
	}
	header := make(http.Header, len(rest))
	vals := make([]string, len(rest)) // one backing array for single values
	var cookies []string
	declLen := int64(-1)
	for i, f := range rest {
		if err := checkField(f); err != nil {
			return nil, err
		}
		switch f.Name {
		case "cookie":
			cookies = append(cookies, f.Value)
			continue
		case "content-length":
			n, err := strconv.ParseUint(f.Value, 10, 63)
			if err != nil || declLen >= 0 && int64(n) != declLen {
				return nil, errBadLength
			}
			declLen = int64(n)
		}
		key := canonicalKey(f.Name)
		if vv, ok := header[key]; ok {
			header[key] = append(vv, f.Value)
		} else {
			vals[i] = f.Value
			header[key] = vals[i : i+1 : i+1]
		}
	}
	if len(cookies) > 0 {
		header["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	host := p.authority
	if hosts := header["Host"]; len(hosts) > 1 || len(hosts) == 1 && p.hasAuthority && hosts[0] != host {
		return nil, errNoHost
	} else if host == "" && len(hosts) == 1 {
		host = hosts[0]
	}
	if host == "" && (p.scheme == "https" || p.scheme == "http") {
		return nil, errNoHost
	}
	delete(header, "Host") // promoted to Request.Host, as net/http does
	r := &http.Request{
		Method:        p.method,
		Proto:         "HTTP/3.0",
		ProtoMajor:    3,
		Header:        header,
		Host:          host,
		RequestURI:    p.path,
		ContentLength: declLen,
	}
	if p.method == http.MethodConnect && p.protocol == "" {
		r.URL = &url.URL{Host: p.authority}
		r.RequestURI = p.authority
	} else if r.URL, err = url.ParseRequestURI(p.path); err != nil {
		return nil, errBadPath
	}
	if p.protocol != "" {
		// Reported as quic-go's http3 does (r.Proto) and as trio's HTTP/2
		// engine does (a ":protocol" field); see ExtendedConnectProtocol.
		r.Proto = p.protocol
		r.Header[":protocol"] = []string{p.protocol}
		r.URL.Scheme, r.URL.Host = p.scheme, p.authority
	}
	r.Trailer = declaredTrailers(header["Trailer"])
	return r, nil
}

// declaredTrailers returns the fields a Trailer header announces, with
// nil values, as net/http fills Request.Trailer before the body is read.
func declaredTrailers(vv []string) http.Header {
	var t http.Header
	for _, v := range vv {
		for _, k := range strings.Split(v, ",") {
			k = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(k))
			if k != "" && httpguts.ValidTrailerHeader(k) {
				if t == nil {
					t = make(http.Header)
				}
				t[k] = nil
			}
		}
	}
	return t
}

// checkTrailers checks a trailer section: regular fields only.
func checkTrailers(fields []qpack.HeaderField) (http.Header, error) {
	t := make(http.Header, len(fields))
	for _, f := range fields {
		if err := checkField(f); err != nil {
			return nil, err
		}
		k := canonicalKey(f.Name)
		t[k] = append(t[k], f.Value)
	}
	return t, nil
}
