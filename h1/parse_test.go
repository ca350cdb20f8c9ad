package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// errSmuggle stops parseAll after a request whose framing closes the
// connection (Content-Length with Transfer-Encoding).
var errSmuggle = errors.New("framing closes the connection")

// parseAll reads requests from in as a connection does, heads and then
// bodies, and returns the heads read whole, the offset just past each, and
// the error that stopped it.
func parseAll(in []byte) (heads []head, ends []int64, err error) {
	cr := &countReader{r: bytes.NewReader(in)}
	br := bufio.NewReaderSize(cr, 4096)
	var buf []byte
	for first := true; ; first = false {
		if buf, err = readHead(br, buf[:0], 1<<20+4096, 8<<10); err != nil {
			return heads, ends, err
		}
		var h head
		if se := parseHead(string(buf), first, &h); se != nil {
			return heads, ends, se
		}
		if h.chunked || h.contentLength > 0 {
			b := &body{br: br, req: &http.Request{}, remain: max(h.contentLength, 0), chunked: h.chunked, maxTrail: 1 << 20}
			if _, err = io.Copy(io.Discard, b); err != nil {
				return heads, ends, err
			}
		}
		heads = append(heads, h)
		ends = append(ends, cr.n-int64(br.Buffered()))
		if h.smuggle {
			return heads, ends, errSmuggle
		}
	}
}

// statusOf is the status the engine answers err with: 0 for a clean end
// of the connection, -1 for closing unanswered.
func statusOf(err error) int {
	var se *statusError
	switch {
	case err == io.EOF:
		return 0
	case errors.As(err, &se) && se.Foreign:
		return -1
	case errors.As(err, &se):
		return se.Code
	}
	return -1
}

func TestParseHead(t *testing.T) {
	const host = "Host: a\r\n"
	tests := []struct {
		name, in string
		status   int // 0: accepted
	}{
		{"get", "GET / HTTP/1.1\r\n" + host + "\r\n", 0},
		{"bare LF", "GET / HTTP/1.1\n" + "Host: a\n\n", 0},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0},
		{"HTTP/1.2 served as 1.x", "GET / HTTP/1.2\r\n" + host + "\r\n", 0},
		{"absolute-form", "GET http://b/x HTTP/1.1\r\n" + host + "\r\n", 0},
		{"authority-form", "CONNECT b:443 HTTP/1.1\r\nHost: b:443\r\n\r\n", 0},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", 0},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\n" + host + "Host: b\r\n\r\n", 400},
		{"invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"method not a token", "GE@T / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"two spaces", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n", 400},
		{"control byte in name", "GET / HTTP/1.1\r\n" + host + "X-\x01A: 1\r\n\r\n", 400},
		{"NUL in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n", 400},
		{"bare CR in value", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n", 400},
		{"whitespace before first field", "GET / HTTP/1.1\r\n X-A: 1\r\n" + host + "\r\n", 400},
		{"CL list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3, 4\r\n\r\n", 400},
		{"CL plus", "POST / HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\n", 400},
		{"CL differs", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
		{"CL same twice", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 0},
		{"TE xchunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n", 501},
		{"TE chunked, gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 501},
		{"TE twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
		{"TE vtab", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\vchunked\r\n\r\n", 400},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"HTTP/3.0", "GET / HTTP/3.0\r\n" + host + "\r\n", 505},
		{"version not HTTP", "GET / FOO/1.1\r\n" + host + "\r\n", -1},
		{"HTTP/0.9", "GET /\r\n\r\n", -1},
		{"broken preface", "PRI * HTTP/2.0\r\n\r\nXX", -1},
		{"Expect other", "GET / HTTP/1.1\r\n" + host + "Expect: nothing\r\n\r\n", 417},
		{"bad trailer key", "POST / HTTP/1.1\r\n" + host + "Trailer: Content-Length\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"target too long", "GET /" + strings.Repeat("a", 9<<10) + " HTTP/1.1\r\n" + host + "\r\n", 414},
		{"head too large", "GET / HTTP/1.1\r\n" + host + "X: " + strings.Repeat("b", 2<<20) + "\r\n\r\n", 431},
		{"too many empty lines", strings.Repeat("\r\n", 5) + "GET / HTTP/1.1\r\n" + host + "\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			heads, _, err := parseAll([]byte(tt.in))
			got := statusOf(err)
			if tt.status == 0 && len(heads) == 1 && got == 0 {
				return
			}
			if got != tt.status || tt.status == 0 {
				t.Errorf("status = %d (heads %d, err %v); want %d", got, len(heads), err, tt.status)
			}
		})
	}
}

func TestParseHeadFields(t *testing.T) {
	in := "POST http://b:8/p?q=1 HTTP/1.0\r\nhost: a\r\nx-custom: 1\r\nX-Custom:  2 \r\n" +
		"Connection: keep-alive\r\nContent-Length: 4\r\nExpect: 100-continue\r\nTrailer: x-t\r\n\r\nbody"
	heads, ends, err := parseAll([]byte(in))
	if err != io.EOF || len(heads) != 1 || ends[0] != int64(len(in)) {
		t.Fatalf("parseAll = %d heads, ends %v, %v", len(heads), ends, err)
	}
	h := heads[0]
	if h.method != "POST" || h.target != "http://b:8/p?q=1" || h.minor != 0 || h.host != "a" {
		t.Errorf("request line = %q %q 1.%d host %q", h.method, h.target, h.minor, h.host)
	}
	if got := h.header["X-Custom"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("X-Custom = %q; want [1 2]", got)
	}
	if _, ok := h.header["Host"]; ok {
		t.Error("Host is in the header; want it only in Host")
	}
	if h.close || !h.keepAlive10 || !h.expect100 || h.contentLength != 4 || len(h.trailer) != 1 {
		t.Errorf("close %v keepAlive10 %v expect100 %v length %d trailer %q", h.close, h.keepAlive10, h.expect100, h.contentLength, h.trailer)
	}
	if v, ok := h.trailer["X-T"]; !ok || v != nil {
		t.Errorf("trailer = %q; want X-T declared", h.trailer)
	}
	r, se := newRequest(t.Context(), &h, "1.2.3.4:5", nil)
	if se != nil {
		t.Fatal(se)
	}
	if r.Host != "b:8" || r.URL.Path != "/p" || r.URL.RawQuery != "q=1" || r.RequestURI != h.target || r.Proto != "HTTP/1.0" {
		t.Errorf("request: Host %q Path %q Query %q RequestURI %q Proto %q", r.Host, r.URL.Path, r.URL.RawQuery, r.RequestURI, r.Proto)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct{ method, target, host, path string }{
		{"GET", "/a%20b?x", "", "/a b"},
		{"GET", "http://h:1/p", "h:1", "/p"},
		{"CONNECT", "h:443", "h:443", ""},
		{"OPTIONS", "*", "", "*"},
	} {
		u, err := parseTarget(tt.method, tt.target)
		if err != nil || u.Host != tt.host || u.Path != tt.path || u.Scheme == "http" && tt.method == "CONNECT" {
			t.Errorf("parseTarget(%s, %q) = %+v, %v; want host %q path %q", tt.method, tt.target, u, err, tt.host, tt.path)
		}
	}
}

func TestChunkedBody(t *testing.T) {
	const head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"chunks and trailer", "5;x=y\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", true},
		{"upper hex", "A\r\n0123456789\r\n0\r\n\r\n", true},
		{"negative", "-5\r\nhello\r\n0\r\n\r\n", false},
		{"0x", "0x5\r\nhello\r\n0\r\n\r\n", false},
		{"overflow", "10000000000000005\r\nhello\r\n0\r\n\r\n", false},
		{"no CRLF after data", "5\r\nhelloXX0\r\n\r\n", false},
		{"bare LF after data", "5\r\nhello\n0\r\n\r\n", false},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", false},
		{"space inside size", "1 0\r\nhello\r\n0\r\n\r\n", false},
		{"space before extension", "5 ;x\r\nhello\r\n0\r\n\r\n", false},
		{"empty size", "\r\nhello\r\n0\r\n\r\n", false},
		{"size line too long", "5;" + strings.Repeat("x", 5000) + "\r\nhello\r\n0\r\n\r\n", false},
		{"bad trailer", "0\r\nX T: 1\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			heads, _, err := parseAll([]byte(head + tt.body))
			if ok := len(heads) == 1 && err == io.EOF; ok != tt.ok {
				t.Errorf("accepted = %v (%v); want %v", ok, err, tt.ok)
			}
		})
	}
}

func TestChunkedTrailers(t *testing.T) {
	in := "POST / HTTP/1.1\r\nHost: a\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-t: 1\r\nX-Other: 2\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	buf, err := readHead(br, nil, 1<<20, 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	var h head
	if se := parseHead(string(buf), true, &h); se != nil {
		t.Fatal(se)
	}
	r, _ := newRequest(t.Context(), &h, "", nil)
	b := &body{br: br, req: r, chunked: true, maxTrail: 1 << 10}
	got, err := io.ReadAll(b)
	if string(got) != "abc" || err != nil {
		t.Fatalf("body = %q, %v", got, err)
	}
	if r.Trailer.Get("X-T") != "1" || r.Trailer.Get("X-Other") != "2" {
		t.Errorf("Trailer = %v; want X-T 1, X-Other 2", r.Trailer)
	}
}

// smugglingVectors are the request streams of conformance's h1 suite
// (h1_chunked.go, h1_connection.go, h1_reject.go) and TestFraming: each
// must be refused or end the connection after its first request.
var smugglingVectors = []string{
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
	"POST / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\vchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Smuggled: 1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\n X-A: 1\r\nHost: a\r\n\r\n",
}

func TestSmugglingVectors(t *testing.T) {
	for _, v := range smugglingVectors {
		heads, _, err := parseAll([]byte(v))
		if len(heads) > 1 || err == io.EOF {
			t.Errorf("%q: %d requests, then %v; want at most one, then a refusal", v, len(heads), err)
		}
	}
}

func TestPipelinedEnds(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	post := "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	chunked := "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"
	in := get + post + "\r\n" + chunked + get
	_, ends, err := parseAll([]byte(in))
	want := []int64{int64(len(get)), int64(len(get + post)), int64(len(get+post+chunked)) + 2, int64(len(in))}
	if err != io.EOF || len(ends) != len(want) {
		t.Fatalf("ends = %v, %v; want %v", ends, err, want)
	}
	for i := range want {
		if ends[i] != want[i] {
			t.Errorf("end %d = %d; want %d", i, ends[i], want[i])
		}
	}
}
