package h2

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// pseudo holds a request's pseudo-header fields.
type pseudo struct {
	method, scheme, authority, path, protocol string
}

var (
	errBadPseudo      = errors.New("malformed pseudo-header fields")
	errConnHeader     = errors.New("connection-specific header field")
	errBadTE          = errors.New(`TE other than "trailers"`)
	errBadLength      = errors.New("invalid content-length")
	errBadPath        = errors.New("invalid :path")
	errPseudoTrailers = errors.New("pseudo-header field in trailers")
)

// parsePseudo checks the pseudo-header fields of a request (RFC 9113
// 8.3.1, RFC 8441 4) and returns the regular fields after them.
func parsePseudo(fields []hpack.HeaderField) (p pseudo, rest []hpack.HeaderField, err error) {
	i := 0
	for ; i < len(fields) && strings.HasPrefix(fields[i].Name, ":"); i++ {
		f := fields[i]
		var dst *string
		switch f.Name {
		case ":method":
			dst = &p.method
		case ":scheme":
			dst = &p.scheme
		case ":authority":
			dst = &p.authority
		case ":path":
			dst = &p.path
		case ":protocol":
			dst = &p.protocol
		default:
			return p, nil, errBadPseudo
		}
		if *dst != "" || f.Value == "" && f.Name != ":authority" {
			return p, nil, errBadPseudo
		}
		*dst = f.Value
	}
	rest = fields[i:]
	switch {
	case p.method == "":
		err = errBadPseudo
	case p.protocol != "":
		if p.method != "CONNECT" || p.scheme == "" || p.path == "" || p.authority == "" {
			err = errBadPseudo
		}
	case p.method == "CONNECT":
		if p.scheme != "" || p.path != "" || p.authority == "" {
			err = errBadPseudo
		}
	case p.scheme == "" || p.path == "":
		err = errBadPseudo
	case p.path[0] != '/' && !(p.path == "*" && p.method == "OPTIONS"):
		err = errBadPath
	}
	return p, rest, err
}

// newRequest builds the request of stream st from the decoded fields.
func (c *conn) newRequest(st *stream, fields []hpack.HeaderField, endStream bool) (*http.Request, error) {
	p, rest, err := parsePseudo(fields)
	if err != nil {
		return nil, err
	}
	header := make(http.Header, len(rest))
	vals := make([]string, len(rest)) // one backing array for single values
	var cookies []string
	st.declLen = -1
	for i, f := range rest {
		switch f.Name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
			return nil, errConnHeader
		case "te":
			if f.Value != "trailers" {
				return nil, errBadTE
			}
		case "cookie":
			cookies = append(cookies, f.Value)
			continue
		case "content-length":
			n, err := strconv.ParseUint(f.Value, 10, 63)
			if err != nil || st.declLen >= 0 && int64(n) != st.declLen {
				return nil, errBadLength
			}
			st.declLen = int64(n)
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
	if host == "" {
		host = header.Get("Host")
	}
	delete(header, "Host") // promoted to Request.Host, as net/http does
	r := &http.Request{
		Method:     p.method,
		Proto:      "HTTP/2.0",
		ProtoMajor: 2,
		Header:     header,
		Host:       host,
		RemoteAddr: c.remoteAddr,
		RequestURI: p.path,
		TLS:        c.tlsState,
	}
	if p.method == "CONNECT" && p.protocol == "" {
		r.URL = &url.URL{Host: p.authority}
		r.RequestURI = p.authority
	} else if r.URL, err = url.ParseRequestURI(p.path); err != nil {
		return nil, errBadPath
	}
	if p.protocol != "" {
		r.Proto = p.protocol
		r.Header.Set(":protocol", p.protocol)
		r.URL.Scheme, r.URL.Host = p.scheme, p.authority
	}
	if vv, ok := header["Trailer"]; ok {
		for _, v := range vv {
			for _, k := range strings.Split(v, ",") {
				k = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(k))
				if k != "" && httpguts.ValidTrailerHeader(k) {
					if r.Trailer == nil {
						r.Trailer = make(http.Header)
					}
					r.Trailer[k] = nil
				}
			}
		}
	}
	switch {
	case endStream:
		r.Body = http.NoBody
	default:
		r.ContentLength = st.declLen
		r.Body = &st.body
		st.continueOK = httpguts.HeaderValuesContainsToken(header["Expect"], "100-continue")
	}
	if endStream && st.declLen > 0 {
		return nil, errBadLength
	}
	return r, nil
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey without allocating for
// common header names.
func canonicalKey(name string) string {
	if k, ok := commonCanonical[name]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// lowerKey is the lowercase wire form of a canonical header key.
func lowerKey(key string) string {
	if k, ok := commonLower[key]; ok {
		return k
	}
	return strings.ToLower(key)
}

var commonCanonical, commonLower = func() (map[string]string, map[string]string) {
	names := []string{"accept", "accept-charset", "accept-encoding", "accept-language",
		"accept-ranges", "age", "authorization", "cache-control", "content-disposition",
		"content-encoding", "content-language", "content-length", "content-location",
		"content-range", "content-type", "cookie", "date", "etag", "expect", "expires",
		"from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
		"if-unmodified-since", "last-modified", "link", "location", "max-forwards",
		"origin", "priority", "proxy-authenticate", "proxy-authorization", "range",
		"referer", "refresh", "retry-after", "sec-websocket-extensions",
		"sec-websocket-key", "sec-websocket-protocol", "sec-websocket-version", "server",
		"set-cookie", "strict-transport-security", "te", "trailer", "user-agent", "vary",
		"via", "www-authenticate", "x-forwarded-for", "x-content-type-options",
		"x-frame-options", "alt-svc", "upgrade-insecure-requests", "user-agent",
		"sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user",
		"sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "dnt"}
	canon, lower := make(map[string]string, len(names)), make(map[string]string, len(names))
	for _, n := range names {
		k := textproto.CanonicalMIMEHeaderKey(n)
		canon[n], lower[k] = k, n
	}
	return canon, lower
}()
