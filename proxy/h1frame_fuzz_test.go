package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// readFramed reads one response to a GET from raw with the upstream
// client's parser: its head and its body by the framing the head sets
// (the rest of raw for a body to the close).
func readFramed(raw []byte) (h respHead, body []byte, trailer http.Header, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(raw), 64)
	buf, err := readHead(br, nil)
	if err != nil {
		return h, nil, nil, err
	}
	if err = parseHead(string(buf), "GET", &h); err != nil {
		return h, nil, nil, err
	}
	switch {
	case h.code < 200 || h.code == 204 || h.code == 304:
		return h, nil, nil, nil
	case h.chunked:
		cr := &chunkedReader{br: br}
		body, err = io.ReadAll(cr)
		return h, body, cr.trailer, err
	case h.contentLength >= 0:
		body = make([]byte, h.contentLength)
		_, err = io.ReadFull(br, body)
		return h, body, nil, unexpected(err)
	}
	body, err = io.ReadAll(br)
	return h, body, nil, err
}

// FuzzResponseFraming: the upstream client's response parser is never
// laxer than net/http's: what it accepts, http.ReadResponse accepts too,
// with the same status, the same body and, for a chunked body, the same
// trailers; and it never has both a Content-Length and chunked framing.
func FuzzResponseFraming(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-T: t\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nto the close",
		"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
		"HTTP/1.1 200\nX: y\n\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, body, trailer, err := readFramed(raw)
		if err != nil {
			return
		}
		if h.chunked && h.contentLength >= 0 {
			t.Fatalf("both chunked and Content-Length %d", h.contentLength)
		}
		if h.code < 100 || h.code > 999 || !strings.HasPrefix(h.status, string(raw[9:12])) {
			t.Fatalf("status %d %q from %q", h.code, h.status, raw)
		}
		req, _ := http.NewRequest("GET", "http://x/", nil)
		res, gerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), req)
		if gerr != nil {
			t.Fatalf("accepted %q, which net/http refuses: %v", raw, gerr)
		}
		defer res.Body.Close()
		gbody, gerr := io.ReadAll(res.Body)
		if gerr != nil {
			t.Fatalf("accepted %q whose body net/http refuses: %v", raw, gerr)
		}
		if res.StatusCode != h.code || !bytes.Equal(gbody, body) {
			t.Fatalf("%q: got %d %q; net/http %d %q", raw, h.code, body, res.StatusCode, gbody)
		}
		for k, vv := range trailer {
			if g := res.Trailer[k]; strings.Join(g, ",") != strings.Join(vv, ",") {
				t.Fatalf("%q: trailer %s = %q; net/http %q", raw, k, vv, g)
			}
		}
	})
}
