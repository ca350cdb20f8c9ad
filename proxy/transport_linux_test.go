package proxy

import (
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// TestDialTimeout: an upstream whose listen backlog is full drops the
// SYN, and the connect times out after DialTimeout: 504, promptly.
func TestDialTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // one pending connection, never accepted
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	filler, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()

	tr := newTransport(t)
	tr.DialTimeout = 300 * time.Millisecond
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, "http://"+addr), Transport: tr})
	start := time.Now()
	res := do(t, ts, newRequest(t, "GET", ts.URL+"/", nil))
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 504 || !strings.Contains(string(b), "connect timed out") {
		t.Errorf("got %d %q; want 504 naming the connect timeout", res.StatusCode, b)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("answered after %v; want about the 300 ms dial timeout", d)
	}
}
