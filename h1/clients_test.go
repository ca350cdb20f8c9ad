package h1_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/triotest"
)

// fileHandler serves one file, its length declared, by io.Copy: the
// ResponseWriter's ReadFrom (sendfile on cleartext with trio's engine).
func fileHandler(t *testing.T, size int) (http.Handler, string) {
	t.Helper()
	body := strings.Repeat("0123456789abcdef", size/16)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		if _, rf := w.(io.ReaderFrom); !rf {
			http.Error(w, "ResponseWriter is not an io.ReaderFrom", 500)
			return
		}
		if r.URL.Path == "/sized" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Header().Set("Content-Type", "text/plain")
		} else {
			fmt.Fprint(w, r.Proto, " ")
		}
		io.Copy(w, f)
	}), body
}

// TestCopyToResponse copies a file into responses on cleartext and TLS,
// with and without a declared length.
func TestCopyToResponse(t *testing.T) { runH1(t, testCopyToResponse) }
func testCopyToResponse(t *testing.T, m triotest.Mode) {
	h, body := fileHandler(t, 1<<20)
	ts := triotest.New(t, m, h)
	clear := "http://" + ts.Addrs.Cleartext[0].Addr().String()
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	for _, tc := range []struct {
		client *http.Client
		url    string
	}{{plain, clear}, {ts.Client, ts.URL}} {
		for _, path := range []string{"/sized", "/chunked"} {
			resp, err := tc.client.Get(tc.url + path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := "HTTP/1.1 " + body
			if path == "/sized" {
				want = body
			}
			if err != nil || string(got) != want {
				t.Errorf("%s%s: %d bytes, %v; want %d", tc.url, path, len(got), err, len(want))
			}
		}
	}
}

// TestCurl checks that curl talks to the engine over TLS and in
// cleartext, and upgrades to h2c through it.
func TestCurl(t *testing.T) { runH1(t, testCurl) }
func testCurl(t *testing.T, m triotest.Mode) {
	curl := testtool.Path(t, "curl")
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Proto, r.Method, b)
	}))
	clear := "http://" + ts.Addrs.Cleartext[0].Addr().String()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--http1.1", "-k", ts.URL + "/"}, "HTTP/1.1 GET "},
		{[]string{"--http1.1", "-k", "-d", "hello", ts.URL + "/"}, "HTTP/1.1 POST hello"},
		{[]string{"--http1.1", clear + "/", clear + "/"}, "HTTP/1.1 GET HTTP/1.1 GET "},
		{[]string{"--http2", clear + "/"}, "HTTP/2.0 GET "}, // Upgrade: h2c
		{[]string{"--http2-prior-knowledge", clear + "/"}, "HTTP/2.0 GET "},
	} {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10"}, tt.args...)...).CombinedOutput()
		if err != nil || string(out) != tt.want {
			t.Errorf("curl %v = %q, %v; want %q", tt.args, out, err, tt.want)
		}
	}
}

// TestWrk runs wrk, a load tool with its own HTTP/1.1 parser, against the
// engine over TLS: every response must parse and be a 200.
func TestWrk(t *testing.T) { runH1(t, testWrk) }
func testWrk(t *testing.T, m triotest.Mode) {
	wrk := testtool.Path(t, "wrk")
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1024))
	}))
	out, err := exec.Command(wrk, "-t1", "-c8", "-d1s", ts.URL+"/1k").CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	n := regexp.MustCompile(`(\d+) requests in`).FindSubmatch(out)
	if n == nil || string(n[1]) == "0" || strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		t.Errorf("wrk output shows errors or no requests:\n%s", out)
	}
}
