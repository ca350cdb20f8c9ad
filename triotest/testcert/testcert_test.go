package testcert_test

import (
	"crypto/tls"
	"testing"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

func TestHandshake(t *testing.T) {
	c := testcert.New(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsconf.TCP(c.Source, "h2", "http/1.1"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer func() { <-done }() // after Close below ends Accept
	defer ln.Close()
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.(*tls.Conn).Handshake()
	}()

	conn, err := tls.Dial("tcp", ln.Addr().String(), c.ClientTLS("h2"))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()
	if got := conn.ConnectionState().NegotiatedProtocol; got != "h2" {
		t.Errorf("NegotiatedProtocol = %q; want h2", got)
	}
}
