package h2

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2"
)

// ErrCode is an HTTP/2 error code as sent in RST_STREAM and GOAWAY
// (RFC 9113 section 7).
type ErrCode = http2.ErrCode

// StreamError is a stream error (RFC 9113 section 5.4.2): the stream is
// reset with Code; Cause is logged, never sent.
type StreamError struct {
	StreamID uint32
	Code     ErrCode // sent in RST_STREAM
	Cause    error   // logged, never sent
}

func (e *StreamError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("h2: stream %d: %v: %v", e.StreamID, e.Code, e.Cause)
	}
	return fmt.Sprintf("h2: stream %d: %v", e.StreamID, e.Code)
}

func (e *StreamError) Unwrap() error { return e.Cause }

// ConnError is a connection error (RFC 9113 section 5.4.1): the connection
// is closed after a GOAWAY carrying Code; Reason goes into the GOAWAY debug
// data.
type ConnError struct {
	Code   ErrCode // sent in GOAWAY
	Reason string  // GOAWAY debug data
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("h2: connection error: %v: %s", e.Code, e.Reason)
}

func streamErr(id uint32, code ErrCode, cause string) *StreamError {
	return &StreamError{StreamID: id, Code: code, Cause: errors.New(cause)}
}

func connErr(code ErrCode, reason string) *ConnError { return &ConnError{Code: code, Reason: reason} }

var (
	// errStreamReset is what Body.Read and ResponseWriter.Write report once
	// a stream has been reset by either side.
	errStreamReset = errors.New("h2: stream reset")
	// errConnClosed is what they report once the connection is gone.
	errConnClosed = errors.New("h2: connection closed")
	// errHandlerDone is reported by a ResponseWriter used after its
	// handler returned.
	errHandlerDone = errors.New("h2: response used after handler returned")
	errBodyClosed  = errors.New("h2: request body closed")
)
