package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
)

// errResponseHeaderTimeout cancels a request whose upstream sent no
// response header within Transport.ResponseHeaderTimeout.
var errResponseHeaderTimeout = errors.New("proxy: no response header from upstream within the timeout")

// A gatewayError is a failed exchange with an upstream, as the client
// sees it (Code, Msg) and as it is logged (Upstream, Err).
type gatewayError struct {
	Code     int    // 502, 503 or 504
	Msg      string // sent to the client, names the problem, no internals
	Upstream string // "" when none was picked
	Err      error  // logged, never sent
}

func (e *gatewayError) Error() string {
	if e.Upstream == "" {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg + ": " + e.Upstream + ": " + e.Err.Error()
}

func (e *gatewayError) Unwrap() error { return e.Err }

// classify turns the error of a round trip to upstream u, made with
// context ctx, whose response had not started, into what the client gets.
func classify(ctx context.Context, u *Upstream, err error) *gatewayError {
	return classifyAfter(ctx, u, err, false)
}

// classifyAfter is classify, where started tells whether a byte of the
// response had come.
func classifyAfter(ctx context.Context, u *Upstream, err error, started bool) *gatewayError {
	e := &gatewayError{Code: http.StatusBadGateway, Upstream: u.String(), Err: err}
	var op *net.OpError
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case context.Cause(ctx) == errResponseHeaderTimeout || errors.Is(err, errResponseHeaderTimeout):
		e.Code, e.Msg, e.Err = http.StatusGatewayTimeout, "upstream sent no response header in time", errResponseHeaderTimeout
	case errors.As(err, &op) && op.Op == "dial":
		e.Msg = "upstream unreachable"
		if op.Timeout() {
			e.Code, e.Msg = http.StatusGatewayTimeout, "upstream connect timed out"
		}
	case errors.As(err, &cert) || errors.As(err, &unknownCA) || errors.As(err, &hostname):
		e.Msg = "upstream certificate not trusted"
	case !started && isConnFailure(err):
		e.Msg = "upstream closed the connection before responding"
	default:
		e.Msg = "upstream sent no valid response"
	}
	return e
}

// write sends e to the client as a plain-text response.
func (e *gatewayError) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Code)
	w.Write([]byte(http.StatusText(e.Code) + ": " + e.Msg + "\n"))
}
