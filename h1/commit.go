package h1

import (
	"net/http"
	"strconv"
	"strings"
)

// commit writes the response head. final says the handler returned, so
// the body is all in pend and its length known; sniff is the start of the
// body, for Content-Type.
func (w *response) commit(final bool, sniff []byte) {
	w.committed = true
	h := w.header
	code := w.status
	isHead := w.req.Method == http.MethodHead
	w.noBody = isHead || !bodyAllowed(code)
	keepAlive := !w.req.Close && !w.smuggle && w.c.srv.keepAlive() && !hasToken(h["Connection"], "close")

	identity := false
	if te, ok := h["Transfer-Encoding"]; ok {
		identity = hasToken(te, "identity")
		delete(h, "Transfer-Encoding") // the engine frames the body
	}
	trailers := len(h["Trailer"]) > 0
	if !trailers {
		for k := range h {
			if strings.HasPrefix(k, http.TrailerPrefix) {
				trailers = true
				break
			}
		}
	}

	setLength := false
	switch {
	case !bodyAllowed(code): // 101 included: what follows is the handler's, once it hijacks
	case w.length >= 0:
	case final && !trailers && !identity && (!isHead || w.written > 0):
		w.length, setLength = w.written, true
	case isHead:
	case w.req.ProtoMinor >= 1 && !identity:
		w.chunked = true
	default:
		keepAlive = false // the body ends when the connection does
	}
	if w.expect100 && !w.sentContinue && w.body != nil {
		if !w.body.ended.Load() {
			keepAlive = false // the client holds the body back; it cannot be drained
		}
	}
	w.closeAfter = w.closeAfter || !keepAlive

	b := appendStatusLine(w.c.hbuf[:0], code)
	var skip func(string) bool
	if declared := h["Trailer"]; len(declared) > 0 {
		skip = func(k string) bool { return hasToken(declared, k) } // sent as trailers
	}
	b, w.c.keys = appendFields(b, h, w.c.keys, skip)
	if setLength {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.length, 10)
		b = append(b, "\r\n"...)
	}
	if _, ok := h["Content-Type"]; !ok && bodyAllowed(code) && len(sniff) > 0 && h.Get("Content-Encoding") == "" {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(sniff)...)
		b = append(b, "\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if _, ok := h["Date"]; !ok {
		b = appendDate(b)
	}
	switch {
	case w.closeAfter && !hasToken(h["Connection"], "close"):
		b = append(b, "Connection: close\r\n"...)
	case !w.closeAfter && w.keepAlive10 && !hasToken(h["Connection"], "keep-alive"):
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	w.c.hbuf = b
	_, err := w.c.writer().Write(b)
	w.fail(err)
}
