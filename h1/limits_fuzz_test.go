package h1

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzHeaderFields checks the field count MaxHeaderFields is held to
// against the parser: for any head readHead returns and parseHead
// accepts, headerFields counts exactly its field lines, the values
// parseHead keeps plus the Host line, so that the limit can be checked
// before the head is parsed.
func FuzzHeaderFields(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.0\n\n",
		"\r\n\nGET / HTTP/1.1\nHost: a\nA: 1\nA: 2\nB: 3\n\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTrailer: X\r\n\r\nhello",
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1; b=2\r\nCookie: c=3\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReader(bytes.NewReader(in))
		raw, err := readHead(br, nil, 1<<16, 1<<16)
		if err != nil {
			return
		}
		var h head
		if parseHead(string(raw), true, &h) != nil {
			return
		}
		values := 0
		for _, vv := range h.header {
			values += len(vv)
		}
		hosts := 0
		if h.minor >= 1 || bytes.Contains(bytes.ToLower(raw), []byte("\nhost:")) {
			hosts = 1 // parseHead refuses more than one, and none in HTTP/1.1
		}
		if got := headerFields(raw); got != values+hosts {
			t.Fatalf("headerFields = %d; parseHead kept %d values and %d Host line(s) of %q", got, values, hosts, raw)
		}
	})
}
