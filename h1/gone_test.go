package h1_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// waitCanceled is a handler that answers only once its request's context
// is cancelled, as one that gives up when the client goes away.
func waitCanceled(canceled chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(canceled)
		case <-time.After(10 * time.Second):
		}
		w.Write([]byte("too late"))
	})
}

// TestNoResponseAfterCloseNotify: a client that closes TLS writes
// close_notify and then closes its socket. The handler's context is
// cancelled on the close_notify, and what the handler writes then must not
// reach the client: Go's Transport would hand a response that comes
// between the two steps to a request it had cancelled (the flake of the
// root TestContextCanceledOnDisconnect/h1). The client here stops after
// the first step and reads: it must see the connection end, no response.
func TestNoResponseAfterCloseNotify(t *testing.T) { runH1(t, testNoResponseAfterCloseNotify) }
func testNoResponseAfterCloseNotify(t *testing.T, m triotest.Mode) {
	canceled := make(chan struct{})
	ts := triotest.New(t, m, waitCanceled(canceled))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if err := c.(*tls.Conn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	<-canceled
	got, err := io.ReadAll(br)
	if len(got) > 0 {
		t.Errorf("read %q after close_notify; want nothing", got)
	}
	if err != nil {
		t.Logf("read: %v", err) // a reset is fine too
	}
}

// TestResponseAfterHalfClose: in cleartext an EOF may be a client that
// shut its side down after the request and still reads: its context is
// cancelled, but the response is written.
func TestResponseAfterHalfClose(t *testing.T) { runH1(t, testResponseAfterHalfClose) }
func testResponseAfterHalfClose(t *testing.T, m triotest.Mode) {
	canceled := make(chan struct{})
	ts := triotest.New(t, m, waitCanceled(canceled))
	c, err := net.Dial("tcp", ts.Addrs.Cleartext[0].Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.(*net.TCPConn).CloseWrite()
	<-canceled
	resp, body := readResponse(t, bufio.NewReader(c), "GET")
	if resp.StatusCode != 200 || body != "too late" {
		t.Errorf("response = %d %q; want 200 %q", resp.StatusCode, body, "too late")
	}
}
