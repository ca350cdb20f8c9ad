package h1_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
)

// TestFullDuplex echoes each line of a request body as it arrives, with
// http.ResponseController's deadlines and full duplex, while the client
// is still sending.
func TestFullDuplex(t *testing.T) { runH1(t, testFullDuplex) }
func testFullDuplex(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for _, err := range []error{rc.EnableFullDuplex(), rc.SetReadDeadline(time.Now().Add(10 * time.Second)),
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))} {
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		w.WriteHeader(200)
		rc.Flush()
		br := bufio.NewReader(r.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(w, "echo "+line)
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}))
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", ts.URL+"/", pr)
	resp, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, msg := range []string{"one\n", "two\n"} {
		io.WriteString(pw, msg)
		if got, err := br.ReadString('\n'); got != "echo "+msg || err != nil {
			t.Fatalf("read %q, %v; want %q while the body is still open", got, err, "echo "+msg)
		}
	}
	pw.Close()
}

// TestHandlerConnectionClose: a handler's "Connection: close" closes the
// connection after its response.
func TestHandlerConnectionClose(t *testing.T) { runH1(t, testHandlerConnectionClose) }
func testHandlerConnectionClose(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if !resp.Close || body != "bye" {
		t.Errorf("close %v, body %q; want close, bye", resp.Close, body)
	}
	if n, err := br.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes after the response; want the connection closed", n)
	}
}

// TestLimitsAndTimeouts: MaxHeaderBytes answers 431, IdleTimeout closes a
// connection left idle.
func TestLimitsAndTimeouts(t *testing.T) { runH1(t, testLimitsAndTimeouts) }
func testLimitsAndTimeouts(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, echo, func(s *trio.Server) {
		s.H1.MaxHeaderBytes = 1 << 10
		s.H1.IdleTimeout = 300 * time.Millisecond
	})
	c, br := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\nX: "+strings.Repeat("b", 8<<10)+"\r\n\r\n")
	if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 431 {
		t.Errorf("8 KiB of fields over a 1 KiB limit: %d; want 431", resp.StatusCode)
	}
	c, br = rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")
	start := time.Now()
	if _, err := br.Read(make([]byte, 1)); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("idle connection: %v after %v; want closed after about 300ms", err, time.Since(start))
	}
}
