package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/quic-go/quic-go"
)

// replayable reports whether out, the request to the upstream, may be sent
// again to another upstream after a connection failure: its method is
// idempotent (RFC 9110 §9.2.2) and it has no body, or one it can get
// again.
func replayable(out *http.Request) bool {
	switch out.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return out.Body == nil || out.Body == http.NoBody || out.GetBody != nil
	}
	return false
}

// isConnFailure reports whether err, from a round trip whose response
// had not started, is a failure of the connection: a refused or timed-out
// dial, a reset, or a close (an HTTP/2 or HTTP/3 connection lost or shut).
// TLS failures and invalid requests are not.
func isConnFailure(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var hsTimeout *quic.HandshakeTimeoutError
	var idle *quic.IdleTimeoutError
	var reset *quic.StatelessResetError
	var app *quic.ApplicationError
	if errors.As(err, &hsTimeout) || errors.As(err, &idle) || errors.As(err, &reset) || errors.As(err, &app) {
		return true
	}
	// HTTP/1.1's closed keep-alive connection and HTTP/2's lost, closed or
	// GOAWAY'd ones have no exported error type.
	s := err.Error()
	return strings.Contains(s, "server closed idle connection") ||
		strings.Contains(s, "http2: client connection lost") ||
		strings.Contains(s, "http2: client connection force closed") ||
		strings.Contains(s, "http2: server sent GOAWAY")
}
