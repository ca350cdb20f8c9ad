package h1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks the engine's parser on any bytes: it never panics;
// every truncation of the input ends cleanly, in a refusal or the end of
// the connection, never with more requests than the whole input gives;
// and where net/http also reads a request whole, both find it ending at
// the same byte (no request boundary two parsers could disagree on).
func FuzzParse(f *testing.F) {
	for _, s := range smugglingVectors {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\n\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		heads, ends, err := parseAll(in)
		if err == nil {
			t.Fatal("parseAll ended without an error")
		}
		if len(in) <= 1024 {
			for k := range len(in) {
				h, _, err := parseAll(in[:k])
				if err == nil || len(h) > len(heads) {
					t.Fatalf("truncated at %d: %d requests, %v; the whole gives %d", k, len(h), err, len(heads))
				}
			}
		}
		cr := &countReader{r: bytes.NewReader(in)}
		br := bufio.NewReader(cr)
		for i := range ends {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
			if end := cr.n - int64(br.Buffered()); end != ends[i] {
				t.Fatalf("request %d ends at %d for net/http; at %d here (ends %v)", i, end, ends[i], ends)
			}
		}
	})
}

// FuzzParsePipelined builds a stream of valid pipelined requests from the
// input and checks that the parser reads each, ending exactly where each
// ends.
func FuzzParsePipelined(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("some bytes to build requests from"))
	f.Fuzz(func(t *testing.T, in []byte) {
		stream, want := pipelined(in)
		heads, ends, err := parseAll([]byte(stream))
		if err != io.EOF || !slices.Equal(ends, want) || len(heads) != len(want) {
			t.Fatalf("ends = %v, %v; want %v\n%q", ends, err, want, stream)
		}
	})
}

// pipelined builds valid requests from in: bodies by Content-Length or
// chunked, lines ending in CRLF or LF, empty lines between requests. It
// returns them with the offset just past each.
func pipelined(in []byte) (string, []int64) {
	var b strings.Builder
	var ends []int64
	next := func() byte {
		if len(in) == 0 {
			return 0
		}
		c := in[0]
		in = in[1:]
		return c
	}
	for len(in) > 0 && len(ends) < 64 {
		kind, size := next(), int(next())
		if next()%4 == 0 {
			b.WriteString("\r\n")
		}
		eol := "\r\n"
		if kind&8 != 0 {
			eol = "\n"
		}
		fmt.Fprintf(&b, "POST /%s HTTP/1.1%sHost: a%sX-K: %d%s", strings.Repeat("t", size%200), eol, eol, kind, eol)
		switch kind % 3 {
		case 0:
			b.WriteString(eol)
		case 1:
			fmt.Fprintf(&b, "content-LENGTH:  %d \t%s%s%s", size, eol, eol, strings.Repeat("b", size))
		case 2:
			fmt.Fprintf(&b, "Transfer-Encoding: chunked%s%s", eol, eol)
			for n := size; n > 0; n /= 3 {
				fmt.Fprintf(&b, "%x", n)
				if n%2 == 0 {
					b.WriteString(";ext=\"v\"")
				}
				fmt.Fprintf(&b, "\r\n%s\r\n", strings.Repeat("c", n))
			}
			b.WriteString("0\r\n")
			if size%2 == 0 {
				b.WriteString("Trailer-Field: v\r\n")
			}
			b.WriteString("\r\n")
		}
		ends = append(ends, int64(b.Len()))
	}
	return b.String(), ends
}
