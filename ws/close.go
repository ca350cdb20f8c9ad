package ws

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// A StatusCode is a close status code (RFC 6455 section 7.4).
type StatusCode uint16

// Status codes defined by RFC 6455 and registered with IANA.
const (
	StatusNormalClosure      StatusCode = 1000
	StatusGoingAway          StatusCode = 1001 // server shutting down, page left
	StatusProtocolError      StatusCode = 1002
	StatusUnsupportedData    StatusCode = 1003
	StatusNoStatusReceived   StatusCode = 1005 // never sent: a close frame without a code
	StatusAbnormalClosure    StatusCode = 1006 // never sent: no close frame at all
	StatusInvalidPayload     StatusCode = 1007 // e.g. text that is not UTF-8
	StatusPolicyViolation    StatusCode = 1008
	StatusMessageTooBig      StatusCode = 1009
	StatusMandatoryExtension StatusCode = 1010
	StatusInternalError      StatusCode = 1011
	StatusServiceRestart     StatusCode = 1012
	StatusTryAgainLater      StatusCode = 1013
)

// validWire reports whether c may appear in a close frame (RFC 6455
// section 7.4 and the IANA registry): 1000-1003, 1007-1014, 3000-4999.
func (c StatusCode) validWire() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014, c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// A CloseError ends a connection: the close frame received from the peer
// (Remote), or the one this side sent, or 1006 when the connection ended
// without one.
type CloseError struct {
	Code   StatusCode
	Reason string
	Remote bool  // the peer sent the close frame
	Err    error // what made this side close, if anything
}

func (e *CloseError) Error() string {
	who := "locally"
	if e.Remote {
		who = "by peer"
	}
	s := fmt.Sprintf("websocket: closed %s with %d", who, e.Code)
	if e.Reason != "" {
		s += fmt.Sprintf(" %q", e.Reason)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CloseError) Unwrap() error { return e.Err }

// closePayload is the body of a close frame; code 0 means none. The
// reason is cut to fit the 125-byte control frame limit.
func closePayload(code StatusCode, reason string) []byte {
	if code == 0 {
		return nil
	}
	if len(reason) > maxControl-2 {
		reason = reason[:maxControl-2]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	p := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	copy(p[2:], reason)
	return p
}

// parseClose reads a received close frame's body. A failure returns the
// code to close with: 1002 for a bad length or code, 1007 for a reason that
// is not UTF-8.
func parseClose(p []byte) (code StatusCode, reason string, fail StatusCode, err error) {
	switch {
	case len(p) == 0:
		return StatusNoStatusReceived, "", 0, nil
	case len(p) == 1:
		return 0, "", StatusProtocolError, errorf("close frame with a 1-byte body")
	}
	code = StatusCode(binary.BigEndian.Uint16(p))
	if !code.validWire() {
		return 0, "", StatusProtocolError, errorf("close code %d is not allowed on the wire", code)
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", StatusInvalidPayload, errorf("close reason is not UTF-8")
	}
	return code, string(p[2:]), 0, nil
}

// errorf formats an error prefixed with "websocket: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("websocket: "+format, args...)
}
