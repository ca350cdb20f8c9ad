package httpmsg

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// ValidFieldName reports whether name is a field name: a token (RFC 9110
// section 5.1), in any case.
func ValidFieldName(name string) bool { return httpguts.ValidHeaderFieldName(name) }

// ValidFieldValue reports whether v is a field value: no NUL, CR or LF,
// no other control but HTAB (RFC 9110 section 5.5).
func ValidFieldValue(v string) bool { return httpguts.ValidHeaderFieldValue(v) }

// checkField checks a regular field of an HTTP/2 or HTTP/3 field section
// (RFC 9113 section 8.2, RFC 9114 section 4.2): a lowercase token name,
// a valid value, no connection-specific field, te only "trailers".
func checkField(name, value string) error {
	if !validLowerName(name) {
		if strings.HasPrefix(name, ":") {
			return ErrPseudo
		}
		return ErrFieldName
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		return ErrFieldValue
	}
	switch name {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		return ErrConnField
	case "te":
		if value != "trailers" {
			return ErrTE
		}
	}
	return nil
}

// validLowerName reports whether name is a lowercase token.
func validLowerName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if 'A' <= b && b <= 'Z' || !httpguts.IsTokenRune(rune(b)) {
			return false
		}
	}
	return true
}

// CheckTrailerField checks a field of an HTTP/2 or HTTP/3 trailer
// section: a regular field (no pseudo-header), valid as in a request's
// header section, and one that may be sent in trailers
// ([httpguts.ValidTrailerHeader]: no framing, routing, authentication or
// request modifier field), as Go's own HTTP/2 server requires.
func CheckTrailerField(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	if !httpguts.ValidTrailerHeader(CanonicalKey(name)) {
		return ErrTrailerKey
	}
	return nil
}

// DeclaredTrailers returns the fields the Trailer field values vv
// announce, canonical keys with nil values, as net/http fills
// Request.Trailer before the body is read. A declaration of
// Transfer-Encoding, Content-Length or Trailer is ErrTrailerKey, as
// net/http's HTTP/1.1 server answers it; other keys that may not be
// trailers ([httpguts.ValidTrailerHeader]) or are not tokens are dropped. A nil Header
// means none declared.
func DeclaredTrailers(vv []string) (http.Header, error) {
	var t http.Header
	for _, v := range vv {
		for k := range strings.SplitSeq(v, ",") {
			k = CanonicalKey(strings.Trim(k, " \t"))
			switch {
			case k == "":
			case k == "Transfer-Encoding" || k == "Content-Length" || k == "Trailer":
				return nil, ErrTrailerKey
			case httpguts.ValidHeaderFieldName(k) && httpguts.ValidTrailerHeader(k):
				if t == nil {
					t = make(http.Header)
				}
				t[k] = nil
			}
		}
	}
	return t, nil
}
