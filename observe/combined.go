package observe

import (
	"net"
	"strconv"
)

// appendCombined appends e in Apache's combined log format,
//
//	host - - [07/Dec/2026:14:16:11 +0000] "GET /a HTTP/2.0" 200 1024 "referer" "agent"
//
// followed by what the format lacks, as key=value: the Host, the duration
// in seconds, the TLS version, the stream id, the site, and for a
// WebSocket its close code. Tools that read combined logs ignore the tail.
func (e *entry) appendCombined(b []byte) []byte {
	host := e.remote
	if h, _, err := net.SplitHostPort(e.remote); err == nil {
		host = h
	}
	b = appendCLFField(b, host)
	b = append(b, " - - ["...)
	b = e.time.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `] "`...)
	b = appendCLFEscaped(b, e.method)
	b = append(b, ' ')
	b = appendCLFEscaped(b, e.uri)
	b = append(b, ' ')
	b = appendCLFEscaped(b, e.proto)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	if e.bytes == 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, e.bytes, 10)
	}
	b = append(b, ` "`...)
	b = appendCLFEscaped(b, dashIfEmpty(e.referer))
	b = append(b, `" "`...)
	b = appendCLFEscaped(b, dashIfEmpty(e.userAgent))
	b = append(b, `" host=`...)
	b = appendCLFField(b, e.host)
	b = append(b, " duration="...)
	b = strconv.AppendFloat(b, e.dur.Seconds(), 'f', 6, 64)
	if v := tlsVersion(e.tls); v != "" {
		b = append(b, " tls="...)
		b = append(b, v...)
	}
	if e.stream >= 0 {
		b = append(b, " stream="...)
		b = strconv.AppendInt(b, e.stream, 10)
	}
	b = append(b, " site="...)
	b = appendCLFField(b, siteOrNone(e.site))
	if e.websocket {
		b = append(b, " close_code="...)
		b = strconv.AppendInt(b, int64(e.closeCode), 10)
	}
	return append(b, '\n')
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// appendCLFEscaped appends s as Apache escapes request fields: quotes and
// backslashes get a backslash, control and non-ASCII bytes become \xHH, so
// a client cannot break the line or forge one.
func appendCLFEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendCLFField appends an unquoted field: escaped as appendCLFEscaped,
// with spaces escaped too so fields stay apart; "" becomes "-".
func appendCLFField(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c <= 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}
