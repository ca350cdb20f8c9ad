package h1

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
	"golang.org/x/sys/unix"
)

// TestTLSConnNotsentLowat checks that a connection accepted by the TLS
// listener has TCP_NOTSENT_LOWAT set, read back from the kernel.
func TestTLSConnNotsentLowat(t *testing.T) {
	cert := testcert.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{TLSConfig: tlsconf.TCP(cert.Source)}
	tl := newTLSListener(ln, srv, 0)
	defer tl.Close()
	go func() {
		cc, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(), cert.ClientTLS())
		if err == nil {
			defer cc.Close()
			cc.Read(make([]byte, 1)) // until the server closes
		}
	}()
	c, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc, ok := c.(tlsConn)
	if !ok {
		t.Fatalf("Accept returned %T; want tlsConn", c)
	}
	rc, err := tc.bc.Conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	rc.Control(func(fd uintptr) {
		got, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT)
	})
	if gerr != nil {
		t.Fatal(gerr)
	}
	if got != notsentLowat {
		t.Errorf("TCP_NOTSENT_LOWAT = %d; want %d", got, notsentLowat)
	}
}
