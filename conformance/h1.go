package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// closeWait is how long a check waits for a server to close a connection.
const closeWait = 2 * time.Second

func h1Suite() *suite {
	s := &suite{name: "h1"}
	s.cases = append(s.cases, h1BasicCases()...)
	s.cases = append(s.cases, h1ConnectionCases()...)
	s.cases = append(s.cases, h1RejectCases()...)
	s.cases = append(s.cases, h1ChunkCases()...)
	s.cases = append(s.cases, h1TolerantCases()...)
	s.cases = append(s.cases, h1LimitCases()...)
	return s
}

// request is an HTTP/1.1 request for t's path with Host and extra header
// lines (each ending in CRLF), and no body.
func (t *target) request(method, extra string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", method, t.path, t.authority(), extra)
}

// exchange dials, sends raw and reads one final response.
func (t *target) exchange(ctx context.Context, raw, method string) (*h1Conn, *response, error) {
	c, err := t.dialH1(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := c.send(raw); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("sending: %v", err)
	}
	r, err := c.readFinal(method)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, r, nil
}

// rejects is a check that raw (built for t) is answered with one of codes
// and, when mustClose, that the connection is closed afterwards.
func rejects(raw func(t *target) string, codes []int, mustClose bool) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, r, err := t.exchange(ctx, raw(t), "POST")
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		if !slices.Contains(codes, r.StatusCode) {
			return fail("accepted: %s", r.summary())
		}
		if mustClose {
			if closed, seen := c.closedAfter(closeWait); !closed {
				return fail("%s, but %s", r.Status, seen)
			}
			return pass("%s, connection closed", r.Status)
		}
		return pass("%s", r.Status)
	}
}

// withBody is a POST for t's path with extra header lines and raw body bytes.
func withBody(extra, body string) func(t *target) string {
	return func(t *target) string { return t.request("POST", extra) + body }
}

// withHeaders is a GET for t's path with extra header lines.
func withHeaders(extra string) func(t *target) string {
	return func(t *target) string { return t.request("GET", extra) }
}

func h1BasicCases() []testCase {
	return []testCase{
		{"h1/status-line", "RFC 9112 §4", "a GET gets an HTTP/1.x status line and a well-framed response",
			func(ctx context.Context, t *target) outcome {
				c, r, err := t.exchange(ctx, t.request("GET", ""), "GET")
				if err != nil {
					return fail("%v", err)
				}
				defer c.Close()
				if r.ProtoMajor != 1 {
					return fail("status line says %s", r.Proto)
				}
				return pass("%s %s", r.Proto, r.summary())
			}},
		{"h1/head", "RFC 9110 §9.3.2", "HEAD gets the GET headers and no body; the connection stays usable",
			checkHead},
		{"h1/pipelining", "RFC 9112 §9.3.2", "GET, HEAD, GET sent at once are answered in order",
			checkPipelining},
		{"h1/expect-100", "RFC 9110 §10.1.1", "Expect: 100-continue gets 100 or a final status before the body is sent",
			checkExpect100},
		{"h1/version-505", "RFC 9110 §15.6.6", "a request claiming HTTP/3.0 over HTTP/1 syntax gets 505 or 400",
			rejects(func(t *target) string {
				return fmt.Sprintf("GET %s HTTP/3.0\r\nHost: %s\r\n\r\n", t.path, t.authority())
			}, []int{505, 400}, false)},
	}
}

func checkHead(ctx context.Context, t *target) outcome {
	c, err := t.dialH1(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	if err := c.send(t.request("GET", "") + t.request("HEAD", "") + t.request("GET", "")); err != nil {
		return fail("sending: %v", err)
	}
	get, err := c.readFinal("GET")
	if err != nil {
		return fail("GET: %v", err)
	}
	head, err := c.readFinal("HEAD")
	if err != nil {
		return fail("HEAD: %v", err)
	}
	if head.StatusCode != get.StatusCode {
		return fail("HEAD %s; GET %s", head.Status, get.Status)
	}
	gcl, hcl := get.Header.Get("Content-Length"), head.Header.Get("Content-Length")
	if hcl != "" && gcl != "" && hcl != gcl {
		return fail("HEAD Content-Length %s; GET %s", hcl, gcl)
	}
	after, err := c.readFinal("GET")
	if err != nil {
		return fail("GET after HEAD: %v (did HEAD send a body?)", err)
	}
	if after.StatusCode != get.StatusCode {
		return fail("GET after HEAD: %s (did HEAD send a body?)", after.Status)
	}
	return pass("HEAD %s, Content-Length %q, no body", head.Status, hcl)
}

func checkPipelining(ctx context.Context, t *target) outcome {
	c, err := t.dialH1(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	methods := []string{"GET", "HEAD", "GET"}
	var raw strings.Builder
	for i, m := range methods {
		raw.WriteString(t.request(m, fmt.Sprintf("X-Seq: %d\r\n", i)))
	}
	if err := c.send(raw.String()); err != nil {
		return fail("sending: %v", err)
	}
	var seen []string
	var first *response
	for i, m := range methods {
		r, err := c.readFinal(m)
		if err != nil {
			return fail("response %d of 3 (%s): %v", i+1, m, err)
		}
		if first == nil {
			first = r
		} else if r.StatusCode != first.StatusCode {
			return fail("response %d (%s) is %s; the first was %s", i+1, m, r.Status, first.Status)
		}
		seen = append(seen, m+" "+r.Status)
	}
	return pass("%s", strings.Join(seen, "; "))
}

func checkExpect100(ctx context.Context, t *target) outcome {
	c, err := t.dialH1(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	if err := c.send(t.request("POST", "Content-Length: 5\r\nExpect: 100-continue\r\n")); err != nil {
		return fail("sending: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	r, err := c.read("POST")
	if err != nil {
		return fail("before sending the body: %v", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(dl)
	}
	if r.StatusCode != 100 {
		return pass("final %s without waiting for the body", r.Status)
	}
	if err := c.send("hello"); err != nil {
		return fail("100 Continue, then sending the body: %v", err)
	}
	final, err := c.readFinal("POST")
	if err != nil {
		return fail("100 Continue, then %v", err)
	}
	return pass("100 Continue, then %s", final.Status)
}
