package h1

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// countingConn counts the writes that reach the TCP connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// tlsPair returns the server side of a TLS connection over loopback TCP,
// built as tlsListener builds it, with its write counter, and the client.
func tlsPair(t testing.TB) (tlsConn, *countingConn, *tls.Conn) {
	t.Helper()
	cert := testcert.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type side struct {
		tc      *tls.Conn
		bc      *batchConn
		counted *countingConn
		err     error
	}
	accepted := make(chan side, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			accepted <- side{err: err}
			return
		}
		counted := &countingConn{Conn: raw}
		bc := &batchConn{Conn: counted}
		tc := tls.Server(bc, tlsconf.TCP(cert.Source))
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		err = tc.Handshake()
		raw.SetDeadline(time.Time{})
		accepted <- side{tc, bc, counted, err}
	}()
	cc, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(), cert.ClientTLS())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s.err != nil {
		t.Fatal(s.err)
	}
	tc, bc, counted := s.tc, s.bc, s.counted
	t.Cleanup(func() { tc.Close(); cc.Close() })
	return tlsConn{conn: newConn(tc, 1<<10), tc: tc, bc: bc}, counted, cc
}

func TestBatchedWrites(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		maxWrites int64 // system calls allowed for the write
	}{
		{"one record", 1 << 10, 1},
		{"two records", maxRecord + 1, 1},
		{"256 KiB", 256 << 10, 2},
		{"10 MiB", 10 << 20, 10<<20/batchMax + 1}, // unbatched: 640
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, counted, cc := tlsPair(t)
			want := make([]byte, tt.size)
			rand.Read(want)
			got := make(chan []byte, 1)
			go func() {
				b := make([]byte, tt.size)
				io.ReadFull(cc, b)
				got <- b
			}()
			before := counted.writes.Load()
			n, err := sc.Write(want)
			if n != tt.size || err != nil {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, tt.size)
			}
			if w := counted.writes.Load() - before; w > tt.maxWrites {
				t.Errorf("%d writes reached TCP; want at most %d", w, tt.maxWrites)
			}
			select {
			case b := <-got:
				if !bytes.Equal(b, want) {
					t.Error("the client read other bytes than were written")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the client did not read the bytes within 10s")
			}
			// A small write afterwards goes straight through.
			before = counted.writes.Load()
			go io.ReadFull(cc, make([]byte, 5))
			if _, err := sc.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if w := counted.writes.Load() - before; w != 1 {
				t.Errorf("small write after a batch: %d writes; want 1", w)
			}
		})
	}
}

// TestBatchedWriteError checks that a failed batch write is reported with
// fewer bytes counted than given, and that later writes fail too.
func TestBatchedWriteError(t *testing.T) {
	sc, _, cc := tlsPair(t)
	cc.Close()
	// The first writes may fit in the socket buffers; a broken pipe shows
	// within a few.
	p := make([]byte, 1<<20)
	var err error
	for i := 0; i < 64 && err == nil; i++ {
		var n int
		if n, err = sc.Write(p); err != nil && n == len(p) {
			t.Errorf("failed Write = %d, %v; want fewer bytes counted", n, err)
		}
	}
	if err == nil {
		t.Fatal("64 MiB written to a closed connection without an error")
	}
	if _, err := sc.Write(p); err == nil {
		t.Error("Write after a failed one succeeded")
	}
}

// BenchmarkTLSWrite writes 1 MiB at a time over loopback TLS to a client
// that reads and discards, with and without gathering records.
func BenchmarkTLSWrite(b *testing.B) {
	for _, batched := range []bool{true, false} {
		name := "batched"
		if !batched {
			name = "record-per-write"
		}
		b.Run(name, func(b *testing.B) {
			sc, _, cc := tlsPair(b)
			go io.Copy(io.Discard, cc)
			p := make([]byte, 1<<20)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if batched {
					_, err = sc.Write(p)
				} else {
					_, err = sc.tc.Write(p)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
