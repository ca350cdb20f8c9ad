package h1

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// A dateLine is the Date field of the responses of one second.
type dateLine struct {
	sec  int64
	line []byte // "Date: ...\r\n"
}

var dateCache atomic.Pointer[dateLine]

// appendDate appends the Date field line for now, formatted once a second.
func appendDate(b []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		line := append([]byte("Date: "), now.UTC().AppendFormat(nil, http.TimeFormat)...)
		d = &dateLine{sec: now.Unix(), line: append(line, "\r\n"...)}
		dateCache.Store(d)
	}
	return append(b, d.line...)
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
