package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/quic-go/quic-go"
)

// Error kinds a Result counts. A response with status 4xx or 5xx counts as
// a request and as an error of kind "status NNN".
const (
	ErrRefused = "refused" // nothing listening (TCP RST on connect, ICMP for QUIC)
	ErrReset   = "reset"   // connection reset or closed mid-request
	ErrTimeout = "timeout" // a network timeout
	ErrTLS     = "tls"     // handshake or certificate failure
	ErrGoAway  = "goaway"  // the server closed an HTTP/2 connection with GOAWAY mid-request
	ErrStream  = "stream"  // an HTTP/2 or HTTP/3 stream or connection error
	ErrBody    = "body"    // the response body ended early
	ErrOther   = "other"
)

// statusKind names the error kind of status code.
func statusKind(code int) string { return "status " + strconv.Itoa(code) }

// kind classifies a transport error.
func kind(err error) string {
	var (
		ne       net.Error
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		alert    tls.AlertError
		idle     *quic.IdleTimeoutError
		hsTimout *quic.HandshakeTimeoutError
		appErr   *quic.ApplicationError
		trErr    *quic.TransportError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &alert):
		return ErrTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ErrReset
	case errors.As(err, &idle), errors.As(err, &hsTimout):
		return ErrTimeout
	case errors.As(err, &appErr), errors.As(err, &trErr):
		return ErrStream
	case errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	}
	// net/http's HTTP/2 errors are unexported types; their text is stable.
	switch msg := err.Error(); {
	case strings.Contains(msg, "GOAWAY"):
		return ErrGoAway
	case strings.Contains(msg, "stream error"), strings.Contains(msg, "RST_STREAM"):
		return ErrStream
	}
	return ErrOther
}
