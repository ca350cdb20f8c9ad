package h1_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// framingHandler reads the body and answers 200 with the path, or takes the
// connection over at /hijack and echoes what follows, as an upgrade does.
var framingHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hijack" {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		io.Copy(c, brw)
		return
	}
	io.Copy(io.Discard, r.Body)
	io.WriteString(w, r.URL.Path)
})

func TestFraming(t *testing.T) {
	ts := triotest.New(t, triotest.H1, framingHandler)
	get := "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n"
	tests := []struct {
		name   string
		send   string
		status []int // one per response
		closed bool  // after the last response
	}{
		{"get keeps alive", get, []int{200}, false},
		{"content-length body", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", []int{200}, false},
		{"chunked body", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", []int{200}, false},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", []int{200}, false},
		{"pipelined", get + get + get, []int{200, 200, 200}, false},
		{"CL with TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", []int{200}, true},
		{"CL with TE pipelined", get + "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", []int{200, 200}, true},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", []int{400}, true},
		{"target over 8 KiB", "GET /" + strings.Repeat("a", 9<<10) + " HTTP/1.1\r\nHost: a\r\n\r\n", []int{414}, true},
		{"target of 2 MiB", "GET /" + strings.Repeat("a", 2<<20) + " HTTP/1.1\r\nHost: a\r\n\r\n", []int{414}, true},
		{"long target pipelined", get + "GET /" + strings.Repeat("a", 2<<20) + " HTTP/1.1\r\nHost: a\r\n\r\n", []int{200, 414}, true},
		{"first line not HTTP", "INVALID CONNECTION PREFACE\r\n\r\n", nil, true}, // h2spec 3.5/2: closed, unanswered
		{"version not HTTP", "GET / FOO/1.1\r\nHost: a\r\n\r\n", nil, true},
		{"version not HTTP after a request", get + "GET / FOO/1.1\r\nHost: a\r\n\r\n", []int{200, 400}, true},
		{"HTTP/0.9 line", "GET /\r\n\r\n", nil, true},
		{"HTTP/0.9 line after a request", get + "GET /\r\n\r\n", []int{200, 400}, true},
		{"HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", []int{505}, true},
		{"headers of 2 MiB", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 2<<20) + "\r\n\r\n", []int{431}, true},
	}
	for _, transport := range []string{"tls", "cleartext"} {
		for _, tt := range tests {
			t.Run(transport+"/"+tt.name, func(t *testing.T) {
				c := dial(t, ts, transport)
				go io.WriteString(c, tt.send) // the server may answer before reading it all
				br := bufio.NewReader(c)
				for i, want := range tt.status {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("response %d: %v", i, err)
					}
					io.Copy(io.Discard, resp.Body)
					if resp.StatusCode != want {
						t.Errorf("response %d: status = %d; want %d", i, resp.StatusCode, want)
					}
				}
				if got := closedAfter(t, c, br, tt.closed); got != tt.closed {
					t.Errorf("closed = %v; want %v", got, tt.closed)
				}
			})
		}
	}
}

// TestFramingStopsAfterUpgrade checks that bytes after a 101 are not taken
// for an over-long request line.
func TestFramingStopsAfterUpgrade(t *testing.T) {
	ts := triotest.New(t, triotest.H1, framingHandler)
	for _, transport := range []string{"tls", "cleartext"} {
		t.Run(transport, func(t *testing.T) {
			c := dial(t, ts, transport)
			io.WriteString(c, "GET /hijack HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 101 {
				t.Fatalf("upgrade: %v, %v; want 101", resp, err)
			}
			payload := strings.Repeat("x", 64<<10) // no CRLF: a 64 KiB "request line"
			go io.WriteString(c, payload)
			got := make([]byte, len(payload))
			if _, err := io.ReadFull(br, got); err != nil || string(got) != payload {
				t.Fatalf("echo: %v; got %d bytes", err, len(got))
			}
		})
	}
}

func dial(t *testing.T, ts *triotest.TS, transport string) net.Conn {
	t.Helper()
	var c net.Conn
	var err error
	if transport == "tls" {
		c, err = tls.Dial("tcp", ts.TLSAddr().String(), ts.ClientTLS("http/1.1"))
	} else {
		c, err = net.Dial("tcp", ts.Addrs.Cleartext[0].Addr().String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// closedAfter reports whether the server closes c: read to EOF if expected,
// failing t if the server sends anything more, or else send another request
// and read its answer.
func closedAfter(t *testing.T, c net.Conn, br *bufio.Reader, expectClose bool) bool {
	if expectClose {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		extra, err := io.ReadAll(br)
		if len(extra) > 0 {
			t.Errorf("after the responses the server sent %q; want nothing", extra)
		}
		return !errors.Is(err, os.ErrDeadlineExceeded)
	}
	if _, err := fmt.Fprintf(c, "GET /again HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		return true
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return true
	}
	resp.Body.Close()
	return false
}
