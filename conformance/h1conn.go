package conformance

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// An h1Conn is a raw HTTP/1.1 connection: bytes go out exactly as written and
// responses are parsed one by one.
type h1Conn struct {
	net.Conn
	br *bufio.Reader
}

// dialH1 opens a TCP connection to t, with TLS offering only http/1.1 when
// t is https.
func (t *target) dialH1(ctx context.Context) (*h1Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	if t.tls {
		tc := tls.Client(c, t.opts.tlsConfig(t.host, "http/1.1"))
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake: %v", err)
		}
		c = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return &h1Conn{Conn: c, br: bufio.NewReader(c)}, nil
}

// send writes raw bytes.
func (c *h1Conn) send(s string) error {
	_, err := io.WriteString(c.Conn, s)
	return err
}

// A response is one parsed response with its body read.
type response struct {
	*http.Response
	body []byte
}

// read parses one response to a request with the given method, reading its
// whole body. 1xx responses are returned like any other.
func (c *h1Conn) read(method string) (*response, error) {
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		return nil, describeReadErr(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s; reading its body: %v", resp.Status, err)
	}
	return &response{resp, body}, nil
}

// readFinal reads responses until a non-1xx one.
func (c *h1Conn) readFinal(method string) (*response, error) {
	for {
		r, err := c.read(method)
		if err != nil || r.StatusCode >= 200 || r.StatusCode == 101 {
			return r, err
		}
	}
}

// closedAfter reports whether the server closes the connection within wait,
// sending nothing more; what it saw otherwise.
func (c *h1Conn) closedAfter(wait time.Duration) (bool, string) {
	c.SetReadDeadline(time.Now().Add(wait))
	b := make([]byte, 512)
	n, err := c.br.Read(b)
	switch {
	case n > 0:
		return false, fmt.Sprintf("server sent %q after the response", b[:n])
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, fmt.Sprintf("connection still open after %v", wait)
	}
	return true, "connection closed"
}

// describeReadErr names what went wrong reading a response.
func describeReadErr(err error) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("connection closed without a response")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("no response before the timeout")
	case strings.Contains(err.Error(), "connection reset"):
		return errors.New("connection reset without a response")
	}
	return fmt.Errorf("unreadable response: %v", err)
}

// summary is a short description of a response: status and framing.
func (r *response) summary() string {
	s := r.Status
	if r.ContentLength >= 0 {
		s += fmt.Sprintf(", %d-byte body", len(r.body))
	}
	return s
}
