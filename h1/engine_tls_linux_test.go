package h1

import (
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
	"golang.org/x/sys/unix"
)

// TestEngineTLSConn checks that trio's engine sets TCP_NOTSENT_LOWAT on
// the connections it accepts over TLS and writes responses through the
// record batching of batchConn.
func TestEngineTLSConn(t *testing.T) {
	cert := testcert.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	checked := make(chan string, 1)
	s := &Server{TLSConfig: tlsconf.TCP(cert.Source, "http/1.1")}
	s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := w.(*response).c
		var lowat int
		rc, _ := c.raw.(*net.TCPConn).SyscallConn()
		rc.Control(func(fd uintptr) {
			lowat, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT)
		})
		_, batched := c.out.(tlsWriter)
		switch {
		case lowat != notsentLowat:
			checked <- "TCP_NOTSENT_LOWAT is not set"
		case !batched:
			checked <- "responses do not go through batchConn"
		default:
			checked <- ""
		}
		w.Write(make([]byte, 1<<20))
	})
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	defer func() {
		s.Shutdown(t.Context())
		<-served
	}()
	tr := &http.Transport{TLSClientConfig: cert.ClientTLS("http/1.1")}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if msg := <-checked; msg != "" || n != 1<<20 || resp.TLS == nil {
		t.Errorf("%s; body %d bytes over TLS %v", msg, n, resp.TLS != nil)
	}
}
