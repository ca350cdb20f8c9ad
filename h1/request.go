package h1

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
)

// newRequest builds the request h describes, with ctx as its context. The
// body is left for the caller.
func newRequest(ctx context.Context, h *head, remote string, cs *tls.ConnectionState) (*http.Request, *statusError) {
	u, err := parseTarget(h.method, h.target)
	if err != nil {
		return nil, badRequest("malformed request-target")
	}
	r := http.Request{
		Method:        h.method,
		URL:           u,
		Proto:         protoName(h.minor),
		ProtoMajor:    1,
		ProtoMinor:    h.minor,
		Header:        h.header,
		Host:          h.host,
		RequestURI:    h.target,
		RemoteAddr:    remote,
		TLS:           cs,
		Close:         h.close,
		ContentLength: max(h.contentLength, 0),
	}
	if u.Host != "" {
		r.Host = u.Host // absolute-form wins over Host (RFC 9112 §3.2.2)
	}
	if h.chunked {
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
	}
	r.Trailer = h.trailer
	return r.WithContext(ctx), nil
}

// parseTarget parses a request-target in any of its forms (RFC 9112
// §3.2): origin-form, absolute-form, authority-form for CONNECT, and "*".
func parseTarget(method, target string) (*url.URL, error) {
	if method == http.MethodConnect && !strings.HasPrefix(target, "/") {
		u, err := url.ParseRequestURI("http://" + target)
		if err != nil {
			return nil, err
		}
		u.Scheme = ""
		return u, nil
	}
	return url.ParseRequestURI(target)
}

func protoName(minor int) string {
	switch minor {
	case 1:
		return "HTTP/1.1"
	case 0:
		return "HTTP/1.0"
	}
	return "HTTP/1." + string(rune('0'+minor))
}
