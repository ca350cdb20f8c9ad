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

// follow feeds s to a framer n bytes at a time and returns it with the
// offsets at which it found requests to end.
func follow(s string, maxURI int64, n int) (*framer, []int64) {
	f := newFramer(maxURI)
	var ends []int64
	f.onEnd = func(off int64) { ends = append(ends, off) }
	for p := []byte(s); len(p) > 0; {
		k := min(n, len(p))
		f.feed(p[:k])
		p = p[k:]
	}
	return &f, ends
}

func TestFramer(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	post := "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	chunked := "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"
	tests := []struct {
		name     string
		in       string
		ends     []int // request ends
		fault    fault
		faultReq int64
		longURI  int64
		stopped  bool
	}{
		{"get", get, []int{len(get)}, faultNone, 0, -1, false},
		{"bare LF", "GET / HTTP/1.1\nHost: a\n\n", []int{24}, faultNone, 0, -1, false},
		{"pipelined", get + post + chunked + get,
			[]int{len(get), len(get + post), len(get + post + chunked), len(get+post+chunked) + len(get)}, faultNone, 0, -1, false},
		{"empty lines between", get + "\r\n\r\n" + get, []int{len(get), 2*len(get) + 4}, faultNone, 0, -1, false},
		{"chunk size OWS, upper hex", "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\nA \r\n0123456789\r\n0\r\n\r\n", []int{68}, faultNone, 0, -1, false},
		{"obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", []int{28}, faultNone, 0, -1, false},
		{"same Content-Length twice", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", []int{58}, faultNone, 0, -1, false},
		{"HTTP/1.0 body", "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab", []int{40}, faultNone, 0, -1, false},

		{"CL and TE", get + "POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", []int{len(get)}, faultClose, 1, -1, true},
		{"TE and bad CL", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n", nil, faultClose, 0, -1, true},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", nil, faultReject, 0, -1, true},
		{"long target", get + "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\n\r\n", []int{len(get)}, faultNone, 0, 1, true},
		{"target at the limit", "GET /" + strings.Repeat("a", 63) + " HTTP/1.1\r\n\r\n", []int{81}, faultNone, 0, -1, false},
		{"h2c preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nil, faultNone, 0, -1, true},

		{"TE gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", nil, faultClose, 0, -1, true},
		{"TE twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", nil, faultClose, 0, -1, true},
		{"CL differs", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", nil, faultClose, 0, -1, true},
		{"CL sign", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", nil, faultClose, 0, -1, true},
		{"CL folded", "POST / HTTP/1.1\r\nContent-Length: 1\r\n 2\r\n\r\n", nil, faultClose, 0, -1, true},
		{"chunk bare LF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", nil, faultClose, 0, -1, true},
		{"chunk data not CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n", nil, faultClose, 0, -1, true},
		{"chunk OWS before ext", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a\r\nx\r\n", nil, faultClose, 0, -1, true},
		{"HTTP/0.9", "GET /\r\n", nil, faultNone, 0, -1, true}, // foreign: see TestFramerForeign
		{"HTTP/0.9 second", "GET / HTTP/1.1\r\n\r\nGET /\r\n", []int{18}, faultClose, 1, -1, true},
		{"HTTP/3", "GET / HTTP/3.0\r\n\r\n", nil, faultClose, 0, -1, true},
		{"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", nil, faultClose, 0, -1, true},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 3, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, n), func(t *testing.T) {
				f, ends := follow(tt.in, 64, n)
				var want []int64
				for _, e := range tt.ends {
					want = append(want, int64(e))
				}
				if !slices.Equal(ends, want) {
					t.Errorf("ends = %v; want %v", ends, want)
				}
				if f.fault != tt.fault || (tt.fault != faultNone && f.faultReq != tt.faultReq) {
					t.Errorf("fault = %d at request %d; want %d at %d", f.fault, f.faultReq, tt.fault, tt.faultReq)
				}
				if f.longURI != tt.longURI {
					t.Errorf("longURI = %d; want %d", f.longURI, tt.longURI)
				}
				if f.stopped != tt.stopped {
					t.Errorf("stopped = %v; want %v", f.stopped, tt.stopped)
				}
			})
		}
	}
}

// TestFramerForeign checks which first lines make a connection foreign:
// neither an HTTP/1 request line nor the HTTP/2 preface.
func TestFramerForeign(t *testing.T) {
	tests := []struct {
		in      string
		foreign bool
	}{
		{"INVALID CONNECTION PREFACE\r\n\r\n", true}, // h2spec 3.5/2
		{"GET / FOO/1.1\r\n\r\n", true},
		{"GET /\r\n", true},
		{"HELLO\r\n", true},
		{"\r\nGET / SSH-2.0\n", true},
		{"GET / HTTP/1.1\r\n\r\n", false},
		{"GET / HTTP/3.0\r\n\r\n", false},  // HTTP, a version net/http refuses with 505
		{"GET / HTTP/1.1x\r\n\r\n", false}, // HTTP, malformed: 400
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false},
		{"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", false}, // the HTTP/2 server rejects the rest
		{"GET / HTTP/1.1\r\n\r\nGET / FOO\r\n\r\n", false},
		{"GET  / HTTP/1.1\r\n\r\n", false},                 // two spaces: HTTP, malformed: 400
		{"GET / a b c d e f g h i j k l m\r\n\r\n", false}, // too long to tell: 400

	}
	for _, tt := range tests {
		f, _ := follow(tt.in, 64, 1)
		if f.foreign != tt.foreign {
			t.Errorf("%q: foreign = %v; want %v", tt.in, f.foreign, tt.foreign)
		}
		if f.foreign && !f.stopped {
			t.Errorf("%q: foreign but not stopped", tt.in)
		}
	}
}

func TestFramerAllocs(t *testing.T) {
	in := []byte("POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	f := newFramer(1 << 10)
	if n := testing.AllocsPerRun(100, func() { f.feed(in) }); n != 0 {
		t.Errorf("feed allocates %v times; want 0", n)
	}
	if f.stopped {
		t.Errorf("stopped on valid requests: fault %d", f.fault)
	}
}

// FuzzFramer checks that the framer never panics and, on the requests
// net/http reads whole from the same bytes, finds the ends net/http finds.
// Its state is fixed-size, so memory is bounded by construction.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\n\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
		"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET /" + strings.Repeat("a", 300) + " HTTP/1.1\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		fr, ends := follow(string(in), 256, int(step)+1)
		if (fr.fault != faultNone || fr.longURI >= 0) && !fr.stopped {
			t.Fatalf("not stopped, but fault %d, longURI %d", fr.fault, fr.longURI)
		}
		// net/http, reading the same bytes.
		cr := &countReader{r: bytes.NewReader(in)}
		br := bufio.NewReader(cr)
		for i := int64(0); ; i++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
			end := cr.n - int64(br.Buffered())
			if i >= int64(len(ends)) {
				if fr.stopped {
					return // the framer stopped following at request i: it acts on it, or it is HTTP/2
				}
				t.Fatalf("net/http read request %d ending at %d; the framer found only %v", i, end, ends)
			}
			if ends[i] != end {
				t.Fatalf("request %d ends at %d for net/http; at %d for the framer (ends %v)", i, end, ends[i], ends)
			}
		}
	})
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FuzzFramerPipelined builds a stream of valid pipelined requests from the
// input and checks that the framer finds exactly their ends.
func FuzzFramerPipelined(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(1))
	f.Add([]byte("some bytes to build requests from"), uint8(200))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var b strings.Builder
		var want []int64
		next := func() byte {
			if len(in) == 0 {
				return 0
			}
			c := in[0]
			in = in[1:]
			return c
		}
		for len(in) > 0 && len(want) < 64 {
			kind, size := next(), int(next())
			if next()%4 == 0 {
				b.WriteString("\r\n") // an empty line before the request line
			}
			target := "/" + strings.Repeat("t", size%200)
			eol := "\r\n"
			if kind&8 != 0 {
				eol = "\n"
			}
			version := "HTTP/1.1"
			if kind&16 != 0 && kind%3 != 2 {
				version = "HTTP/1.0"
			}
			fmt.Fprintf(&b, "POST %s %s%sHost: a%sX-K: %d%s", target, version, eol, eol, kind, eol)
			switch kind % 3 {
			case 0: // no body
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
			want = append(want, int64(b.Len()))
		}
		fr, ends := follow(b.String(), 256, int(step)+1)
		if fr.stopped || !slices.Equal(ends, want) {
			t.Fatalf("ends = %v; want %v (stopped %v, fault %d)\n%q", ends, want, fr.stopped, fr.fault, b.String())
		}
	})
}
