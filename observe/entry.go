package observe

import (
	"crypto/tls"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// An entry is one access-log line, as the request hands it to the writer.
// Its strings are the request's own; nothing is copied on the hot path.
type entry struct {
	time      time.Time // when the request started
	dur       time.Duration
	remote    string
	host      string
	method    string
	uri       string
	proto     string // HTTP/1.0, HTTP/1.1, HTTP/2.0 or HTTP/3.0
	referer   string
	userAgent string
	site      string // "" when no site took it
	status    int
	bytes     int64
	stream    int64 // h2/h3 stream id; -1 for none
	tls       uint16
	websocket bool
	closeCode int // a WebSocket's close code; 0 for none
}

// tlsVersion names v as TLS does: "1.3"; "" for no TLS.
func tlsVersion(v uint16) string {
	switch v {
	case 0:
		return ""
	case tls.VersionTLS13:
		return "1.3"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS10:
		return "1.0"
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// appendJSON appends e as one line of JSON, with the fields and encoding
// slog.JSONHandler would give the same record (see TestJSONMatchesSlog).
func (e *entry) appendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = e.time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","remote":`...)
	b = appendJSONString(b, e.remote)
	b = append(b, `,"host":`...)
	b = appendJSONString(b, e.host)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, e.method)
	b = append(b, `,"uri":`...)
	b = appendJSONString(b, e.uri)
	b = append(b, `,"proto":`...)
	b = appendJSONString(b, e.proto)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.bytes, 10)
	b = append(b, `,"duration":`...)
	b = appendJSONFloat(b, e.dur.Seconds())
	if v := tlsVersion(e.tls); v != "" {
		b = append(b, `,"tls":`...)
		b = appendJSONString(b, v)
	}
	if e.stream >= 0 {
		b = append(b, `,"stream":`...)
		b = strconv.AppendInt(b, e.stream, 10)
	}
	b = append(b, `,"site":`...)
	b = appendJSONString(b, siteOrNone(e.site))
	if e.referer != "" {
		b = append(b, `,"referer":`...)
		b = appendJSONString(b, e.referer)
	}
	if e.userAgent != "" {
		b = append(b, `,"user_agent":`...)
		b = appendJSONString(b, e.userAgent)
	}
	if e.websocket {
		b = append(b, `,"websocket":true,"close_code":`...)
		b = strconv.AppendInt(b, int64(e.closeCode), 10)
	}
	return append(b, "}\n"...)
}

// appendJSONFloat appends f as encoding/json (and so slog) encodes it.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9, as encoding/json
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func siteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as slog.JSONHandler quotes it: control
// characters, quotes, backslashes, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD, HTML characters left alone.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
