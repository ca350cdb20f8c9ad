package httpmsg

import "errors"

// The reasons [NewRequest], [CheckTrailerField] and [DeclaredTrailers]
// refuse a message. An engine answers each as a malformed message: a
// stream error (PROTOCOL_ERROR in HTTP/2, H3_MESSAGE_ERROR in HTTP/3).
var (
	ErrPseudo        = errors.New("malformed pseudo-header fields")
	ErrPath          = errors.New("invalid :path")
	ErrHost          = errors.New("host missing, repeated or unlike :authority")
	ErrFieldName     = errors.New("invalid field name")
	ErrFieldValue    = errors.New("invalid field value")
	ErrConnField     = errors.New("connection-specific field")
	ErrTE            = errors.New(`te other than "trailers"`)
	ErrContentLength = errors.New("invalid content-length")
	ErrTrailerKey    = errors.New("field not allowed in trailers")
)
