package h2

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// recordingBatcher is a TCP connection offering WriteBatched, as package
// h1's listener does; it counts the calls and writes through tc.
type recordingBatcher struct {
	net.Conn
	calls, bytes atomic.Int64
}

func (b *recordingBatcher) WriteBatched(tc io.Writer, p []byte) (int, error) {
	b.calls.Add(1)
	b.bytes.Add(int64(len(p)))
	return tc.Write(p)
}

// TestWritesBatched checks that the engine hands writes of more than one
// TLS record to the connection's WriteBatched, and only those.
func TestWritesBatched(t *testing.T) {
	body := make([]byte, 1<<20)
	rand.Read(body)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			io.WriteString(w, "small")
			return
		}
		w.Write(body)
	})
	cert, pool := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Config: &Config{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	rb := make(chan *recordingBatcher, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		b := &recordingBatcher{Conn: nc}
		rb <- b
		tc := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			nc.Close()
			return
		}
		nc.SetDeadline(time.Time{})
		srv.ServeConn(ctx, tc, h, nil)
	}()
	t.Cleanup(func() {
		ln.Close()
		cancel()
		srv.Close()
		wg.Wait()
	})
	tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	get := func(path string) []byte {
		resp, err := client.Get("https://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if got := get("/small"); string(got) != "small" {
		t.Fatalf("body = %q; want small", got)
	}
	b := <-rb
	if n := b.calls.Load(); n != 0 {
		t.Errorf("after a small response, WriteBatched called %d times; want 0", n)
	}
	if got := get("/big"); !bytes.Equal(got, body) {
		t.Fatalf("big body differs (%d bytes)", len(got))
	}
	if n, m := b.calls.Load(), b.bytes.Load(); n == 0 || m < int64(len(body))/2 {
		t.Errorf("WriteBatched: %d calls, %d bytes; want most of the 1 MiB body through it", n, m)
	}
}
