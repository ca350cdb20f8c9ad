// Command backend is the origin server of bench/proxy.sh: a minimal
// HTTP/1.1 server on cleartext TCP that answers every request with the same
// response, a body of -size random bytes (1 KiB by default).
//
// It parses only what a proxy sends it: a request line and header fields, a
// Content-Length body (read and discarded), keep-alive (closing after
// "Connection: close" or an HTTP/1.0 request without keep-alive) and
// pipelining (the responses to requests already read go out in one write).
// It sends no chunked bodies and refuses chunked requests (501). Its cost
// per request is a read and a write, so that the proxies in front of it,
// not the origin, set the pace; a Date field, updated every second, keeps
// the response the size of a real one.
//
//	backend -listen 127.0.0.1:9480 -size 1024
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9480", "TCP `address` to listen on")
	size := flag.Int("size", 1024, "response body `bytes`")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	body := make([]byte, *size)
	rand.Read(body)
	s := &server{body: body}
	s.tick()
	go func() {
		for range time.Tick(time.Second) {
			s.tick()
		}
	}()
	log.Printf("backend: serving %d bytes on http://%s", *size, ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go s.serve(c)
	}
}

type server struct {
	body []byte
	resp atomic.Pointer[response] // rebuilt every second for the Date field
}

// A response is the header and body of a GET response and the header of a
// HEAD one, for one value of Date.
type response struct{ get, head []byte }

func (s *server) tick() {
	h := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nDate: %s\r\n\r\n",
		len(s.body), time.Now().UTC().Format(http.TimeFormat))
	s.resp.Store(&response{get: append([]byte(h), s.body...), head: []byte(h)})
}

var (
	http10  = []byte("HTTP/1.0")
	head    = []byte("HEAD ")
	badReq  = []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	chunked = []byte("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
)

func (s *server) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 8<<10)
	w := bufio.NewWriterSize(c, 32<<10)
	for {
		req, err := readRequest(r)
		if err != nil {
			if err != io.EOF {
				if err == errChunked {
					w.Write(chunked)
				} else {
					w.Write(badReq)
				}
				w.Flush()
			}
			return
		}
		if req.length > 0 {
			if _, err := r.Discard(int(req.length)); err != nil {
				return
			}
		}
		resp := s.resp.Load()
		if req.head {
			w.Write(resp.head)
		} else {
			w.Write(resp.get)
		}
		// Pipelined requests already read get their responses in the same write.
		if r.Buffered() == 0 || req.close {
			if w.Flush() != nil || req.close {
				return
			}
		}
	}
}

type request struct {
	head   bool  // HEAD: no body in the response
	close  bool  // close the connection after the response
	length int64 // request body bytes to discard
}

var errChunked = fmt.Errorf("chunked request body")

// readRequest reads one request's head. io.EOF means the client closed
// between requests.
func readRequest(r *bufio.Reader) (request, error) {
	var req request
	line, err := r.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return req, io.EOF
		}
		return req, fmt.Errorf("request line: %w", err)
	}
	req.head = bytes.HasPrefix(line, head)
	keepAlive := !bytes.Contains(line, http10)
	req.close = !keepAlive
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return req, fmt.Errorf("header: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return req, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return req, fmt.Errorf("header line without a colon")
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqual(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 {
				return req, fmt.Errorf("bad Content-Length %q", value)
			}
			req.length = n
		case asciiEqual(name, "transfer-encoding"):
			return req, errChunked
		case asciiEqual(name, "connection"):
			for _, tok := range bytes.Split(value, []byte(",")) {
				tok = bytes.TrimSpace(tok)
				if asciiEqual(tok, "close") {
					req.close = true
				} else if asciiEqual(tok, "keep-alive") && !keepAlive {
					req.close = false
				}
			}
		}
	}
}

// asciiEqual reports whether b equals the lower-case s, ignoring ASCII case.
func asciiEqual(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
