package h1

import (
	"net/http"
	"strconv"

	"github.com/triohttp/trio/internal/httpmsg"
)

// appendDate appends the Date field line: httpmsg's value, formatted once
// a second for h1, h2 and h3 alike.
func appendDate(b []byte) []byte {
	b = append(b, "Date: "...)
	b = httpmsg.AppendDate(b)
	return append(b, "\r\n"...)
}

// statusLines holds "HTTP/1.1 code text\r\n" for the codes net/http names.
var statusLines = func() map[int]string {
	m := make(map[int]string)
	for code := 100; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + t + "\r\n"
		}
	}
	return m
}()

// appendStatusLine appends the status line for code, as net/http writes it.
func appendStatusLine(b []byte, code int) []byte {
	if l, ok := statusLines[code]; ok {
		return append(b, l...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, " status code "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, "\r\n"...)
}
