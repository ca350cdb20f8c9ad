package httpmsg

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// A Version is the protocol a field section arrived over.
type Version uint8

// The versions whose field sections [NewRequest] reads.
const (
	HTTP2 Version = 2
	HTTP3 Version = 3
)

func (v Version) proto() string {
	if v == HTTP3 {
		return "HTTP/3.0"
	}
	return "HTTP/2.0"
}

// A Head is what [NewRequest] learns of a request besides the
// *http.Request.
type Head struct {
	// ContentLength is the declared content-length, or -1 if none. The
	// engine checks the body against it (RFC 9113 section 8.1.1, RFC 9114
	// section 4.1.2).
	ContentLength int64
	// Continue reports an Expect: 100-continue: the engine sends 100
	// Continue when the handler first reads the body.
	Continue bool
}

// pseudo holds a request's pseudo-header fields.
type pseudo struct {
	method, scheme, authority, path, protocol string
	hasAuthority, hasPath, hasScheme          bool
}

// NewRequest builds the request described by a decoded HTTP/2 or HTTP/3
// field section, fields, whose names and values nv returns. It checks the
// section (RFC 9113 sections 8.2 and 8.3, RFC 9114 sections 4.2 and 4.3,
// RFC 8441, RFC 9220):
//
//   - pseudo-header fields first, each at most once, none unknown, the
//     ones the method needs, a :method that is a token, a :path that is
//     absolute or "*" for OPTIONS;
//   - regular fields with lowercase token names and valid values, no
//     connection-specific field, te only "trailers", content-length a
//     number (repeated only with the same value);
//   - an authority for http and https (:authority or host), at most one
//     host, and a host equal to :authority when both are present.
//
// An error is one of the Err values of this package: the message is
// malformed. The request carries ctx (given here, the Request is
// allocated once) and no Body, RemoteAddr or TLS: the engine sets them.
// ContentLength is the declared length or -1, Header has canonical keys
// with cookie crumbs joined by "; " and no Host, Trailer the declared
// trailers. An extended CONNECT (RFC 8441, RFC 9220) has Proto set to
// its :protocol and a ":protocol" header.
func NewRequest[F any](ctx context.Context, v Version, fields []F, nv func(F) (name, value string)) (*http.Request, Head, error) {
	p, i, err := parsePseudo(fields, nv)
	if err != nil {
		return nil, Head{}, err
	}
	rest := fields[i:]
	head := Head{ContentLength: -1}
	header := make(http.Header, len(rest))
	vals := make([]string, len(rest)) // one backing array for single values
	// Cookie crumbs, joined into vals[cookie] (RFC 9113 section 8.2.3).
	var cookies []string
	cookie := 0
	for i, f := range rest {
		name, value := nv(f)
		if err := checkField(name, value); err != nil {
			return nil, Head{}, err
		}
		switch name {
		case "cookie":
			if cookies == nil {
				cookie = i
			}
			cookies = append(cookies, value)
			continue
		case "content-length":
			n, err := strconv.ParseUint(value, 10, 63)
			if err != nil || head.ContentLength >= 0 && int64(n) != head.ContentLength {
				return nil, Head{}, ErrContentLength
			}
			head.ContentLength = int64(n)
		}
		key := CanonicalKey(name)
		if vv, ok := header[key]; ok {
			header[key] = append(vv, value)
		} else {
			vals[i] = value
			header[key] = vals[i : i+1 : i+1]
		}
	}
	if cookies != nil {
		vals[cookie] = strings.Join(cookies, "; ")
		header["Cookie"] = vals[cookie : cookie+1 : cookie+1]
	}
	host, err := requestHost(p, header["Host"])
	if err != nil {
		return nil, Head{}, err
	}
	delete(header, "Host") // promoted to Request.Host, as net/http does
	// r stays on the stack: WithContext makes the one on the heap.
	r := http.Request{
		Method:        p.method,
		Proto:         v.proto(),
		ProtoMajor:    int(v),
		Header:        header,
		Host:          host,
		RequestURI:    p.path,
		ContentLength: head.ContentLength,
	}
	if p.method == http.MethodConnect && p.protocol == "" {
		r.URL = &url.URL{Host: p.authority}
		r.RequestURI = p.authority
	} else if r.URL, err = url.ParseRequestURI(p.path); err != nil {
		return nil, Head{}, ErrPath
	}
	if p.protocol != "" {
		// Reported as quic-go's http3 does (r.Proto) and as x/net's
		// HTTP/2 server does (a ":protocol" header).
		r.Proto = p.protocol
		header[":protocol"] = []string{p.protocol}
		r.URL.Scheme, r.URL.Host = p.scheme, p.authority
	}
	if r.Trailer, err = DeclaredTrailers(header["Trailer"]); err != nil {
		return nil, Head{}, err
	}
	head.Continue = httpguts.HeaderValuesContainsToken(header["Expect"], "100-continue")
	return r.WithContext(ctx), head, nil
}

// parsePseudo reads the pseudo-header fields at the start of fields and
// returns the index of the first regular one.
func parsePseudo[F any](fields []F, nv func(F) (string, string)) (p pseudo, n int, err error) {
	for ; n < len(fields); n++ {
		name, value := nv(fields[n])
		if !strings.HasPrefix(name, ":") {
			break
		}
		var dst *string
		var has *bool
		switch name {
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
			return p, 0, ErrPseudo
		}
		if *dst != "" || has != nil && *has || value == "" && name != ":authority" {
			return p, 0, ErrPseudo
		}
		if !httpguts.ValidHeaderFieldValue(value) {
			return p, 0, ErrFieldValue
		}
		*dst = value
		if has != nil {
			*has = true
		}
	}
	switch {
	case p.method == "" || !httpguts.ValidHeaderFieldName(p.method):
		return p, 0, ErrPseudo
	case p.protocol != "":
		if p.method != http.MethodConnect || p.scheme == "" || p.path == "" || p.authority == "" {
			return p, 0, ErrPseudo
		}
	case p.method == http.MethodConnect:
		if p.hasScheme || p.hasPath || p.authority == "" {
			return p, 0, ErrPseudo
		}
	case p.scheme == "" || p.path == "":
		return p, 0, ErrPseudo
	}
	if p.path != "" && p.path[0] != '/' && !(p.path == "*" && p.method == http.MethodOptions) {
		return p, 0, ErrPath
	}
	return p, n, nil
}

// requestHost returns the request's authority: :authority, or the host
// field if there is none. A host field that is repeated or differs from
// a present :authority, or no authority for http and https, is ErrHost
// (RFC 9113 section 8.3.1, RFC 9114 section 4.3.1).
func requestHost(p pseudo, hosts []string) (string, error) {
	host := p.authority
	switch {
	case len(hosts) > 1:
		return "", ErrHost
	case len(hosts) == 1 && p.hasAuthority && hosts[0] != host:
		return "", ErrHost
	case host == "" && len(hosts) == 1:
		host = hosts[0]
	}
	if host == "" && (p.scheme == "https" || p.scheme == "http") {
		return "", ErrHost
	}
	if host != "" && !httpguts.ValidHostHeader(host) {
		return "", ErrHost
	}
	return host, nil
}
