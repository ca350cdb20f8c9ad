package h3

import (
	"fmt"

	"github.com/quic-go/quic-go"
)

// An ErrCode is an HTTP/3 error code (RFC 9114 section 8.1, RFC 9204
// section 6), sent in CONNECTION_CLOSE, RESET_STREAM and STOP_SENDING.
type ErrCode uint64

// The error codes trio's engine sends.
const (
	ErrNoError              ErrCode = 0x100
	ErrGeneralProtocol      ErrCode = 0x101
	ErrInternal             ErrCode = 0x102
	ErrStreamCreation       ErrCode = 0x103
	ErrClosedCriticalStream ErrCode = 0x104
	ErrFrameUnexpected      ErrCode = 0x105
	ErrFrame                ErrCode = 0x106
	ErrExcessiveLoad        ErrCode = 0x107
	ErrID                   ErrCode = 0x108
	ErrSettings             ErrCode = 0x109
	ErrMissingSettings      ErrCode = 0x10a
	ErrRequestRejected      ErrCode = 0x10b
	ErrRequestCancelled     ErrCode = 0x10c
	ErrRequestIncomplete    ErrCode = 0x10d
	ErrMessage              ErrCode = 0x10e
	ErrConnect              ErrCode = 0x10f
	ErrQPACKDecompression   ErrCode = 0x200
	ErrQPACKEncoderStream   ErrCode = 0x201
	ErrQPACKDecoderStream   ErrCode = 0x202
)

var codeNames = map[ErrCode]string{
	ErrNoError: "H3_NO_ERROR", ErrGeneralProtocol: "H3_GENERAL_PROTOCOL_ERROR",
	ErrInternal: "H3_INTERNAL_ERROR", ErrStreamCreation: "H3_STREAM_CREATION_ERROR",
	ErrClosedCriticalStream: "H3_CLOSED_CRITICAL_STREAM", ErrFrameUnexpected: "H3_FRAME_UNEXPECTED",
	ErrFrame: "H3_FRAME_ERROR", ErrExcessiveLoad: "H3_EXCESSIVE_LOAD", ErrID: "H3_ID_ERROR",
	ErrSettings: "H3_SETTINGS_ERROR", ErrMissingSettings: "H3_MISSING_SETTINGS",
	ErrRequestRejected: "H3_REQUEST_REJECTED", ErrRequestCancelled: "H3_REQUEST_CANCELLED",
	ErrRequestIncomplete: "H3_REQUEST_INCOMPLETE", ErrMessage: "H3_MESSAGE_ERROR",
	ErrConnect: "H3_CONNECT_ERROR", ErrQPACKDecompression: "QPACK_DECOMPRESSION_FAILED",
	ErrQPACKEncoderStream: "QPACK_ENCODER_STREAM_ERROR", ErrQPACKDecoderStream: "QPACK_DECODER_STREAM_ERROR",
}

func (c ErrCode) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("H3 error 0x%x", uint64(c))
}

func (c ErrCode) app() quic.ApplicationErrorCode { return quic.ApplicationErrorCode(c) }
func (c ErrCode) stream() quic.StreamErrorCode   { return quic.StreamErrorCode(c) }

// A connError ends the whole connection with Code.
type connError struct {
	Code ErrCode
	Msg  string // sent as the reason phrase
}

func (e *connError) Error() string { return "h3: connection error " + e.Code.String() + ": " + e.Msg }

// A streamError resets one request stream with Code in both directions.
type streamError struct {
	Code ErrCode
	Msg  string // logged, never sent
}

func (e *streamError) Error() string { return "h3: stream error " + e.Code.String() + ": " + e.Msg }

func connErr(code ErrCode, format string, args ...any) error {
	return &connError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func streamErr(code ErrCode, format string, args ...any) error {
	return &streamError{Code: code, Msg: fmt.Sprintf(format, args...)}
}
