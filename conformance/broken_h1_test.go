package conformance

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

// rawServer accepts TCP connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

// yesServer answers every line that looks like a request line with 200
// and a 2-byte body, HEAD included, never closes, and never validates a
// header; it refuses, with 400, only request heads beyond 1 MiB.
func yesServer(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	head := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		head += len(line)
		switch {
		case head > 1<<20:
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
			return
		case strings.Contains(line, " HTTP/"):
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		case line == "\r\n":
			head = 0
		}
	}
}

// garbageServer answers anything with bytes that are not HTTP.
func garbageServer(c net.Conn) {
	br := bufio.NewReader(c)
	if _, err := br.ReadString('\n'); err == nil {
		c.Write([]byte("HELLO THERE\r\n\r\n"))
	}
}

func TestBrokenH1(t *testing.T) {
	t.Parallel()
	yes := rawServer(t, yesServer)
	garbage := rawServer(t, garbageServer)
	requireEachFails(t, "h1", nil,
		runSuite(t, "http://"+yes+"/", "h1", &Options{Timeout: 4e9}),
		runSuite(t, "http://"+garbage+"/", "h1", &Options{Timeout: 4e9}))
}
