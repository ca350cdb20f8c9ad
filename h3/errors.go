package h3

import (
	"errors"
	"fmt"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// ErrCode is an HTTP/3 error code (RFC 9114 section 8.1, RFC 9204
// section 6) as sent in CONNECTION_CLOSE, RESET_STREAM and STOP_SENDING:
// quic-go's, as h2's is x/net's. Convert it with
// quic.ApplicationErrorCode or quic.StreamErrorCode to send it.
type ErrCode = http3.ErrCode

// The error codes trio's engine sends, named as before they were
// quic-go's (its names are http3.ErrCodeNoError and so on).
const (
	ErrNoError              = http3.ErrCodeNoError
	ErrGeneralProtocol      = http3.ErrCodeGeneralProtocolError
	ErrInternal             = http3.ErrCodeInternalError
	ErrStreamCreation       = http3.ErrCodeStreamCreationError
	ErrClosedCriticalStream = http3.ErrCodeClosedCriticalStream
	ErrFrameUnexpected      = http3.ErrCodeFrameUnexpected
	ErrFrame                = http3.ErrCodeFrameError
	ErrExcessiveLoad        = http3.ErrCodeExcessiveLoad
	ErrID                   = http3.ErrCodeIDError
	ErrSettings             = http3.ErrCodeSettingsError
	ErrMissingSettings      = http3.ErrCodeMissingSettings
	ErrRequestRejected      = http3.ErrCodeRequestRejected
	ErrRequestCancelled     = http3.ErrCodeRequestCanceled
	ErrRequestIncomplete    = http3.ErrCodeRequestIncomplete
	ErrMessage              = http3.ErrCodeMessageError
	ErrConnect              = http3.ErrCodeConnectError
	ErrQPACKDecompression   = http3.ErrCodeQPACKDecompressionFailed
	// quic-go names no QPACK stream errors (RFC 9204 section 6); its
	// String gives their number.
	ErrQPACKEncoderStream ErrCode = 0x201
	ErrQPACKDecoderStream ErrCode = 0x202
)

// StreamError is a stream error (RFC 9114 section 8): the request stream
// is reset with Code in both directions; Cause is logged, never sent.
type StreamError struct {
	StreamID quic.StreamID
	Code     ErrCode // sent in RESET_STREAM and STOP_SENDING
	Cause    error   // logged, never sent
}

func (e *StreamError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("h3: stream %d: %v: %v", e.StreamID, e.Code, e.Cause)
	}
	return fmt.Sprintf("h3: stream %d: %v", e.StreamID, e.Code)
}

func (e *StreamError) Unwrap() error { return e.Cause }

// ConnError is a connection error (RFC 9114 section 8): the connection
// is closed with Code; Reason is the CONNECTION_CLOSE reason phrase.
type ConnError struct {
	Code   ErrCode // sent in CONNECTION_CLOSE
	Reason string  // CONNECTION_CLOSE reason phrase
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("h3: connection error: %v: %s", e.Code, e.Reason)
}

func streamErr(id quic.StreamID, code ErrCode, cause string) *StreamError {
	return &StreamError{StreamID: id, Code: code, Cause: errors.New(cause)}
}

func connErr(code ErrCode, reason string) *ConnError { return &ConnError{Code: code, Reason: reason} }
