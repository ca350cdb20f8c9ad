package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

func h1ConnectionCases() []testCase {
	return []testCase{
		{"h1/keep-alive", "RFC 9112 §9.3", "an HTTP/1.1 connection persists: a second request is answered",
			func(ctx context.Context, t *target) outcome {
				c, r, err := t.exchange(ctx, t.request("GET", ""), "GET")
				if err != nil {
					return fail("%v", err)
				}
				defer c.Close()
				if err := c.send(t.request("GET", "")); err != nil {
					return fail("%s, then sending a second request: %v", r.Status, err)
				}
				r2, err := c.readFinal("GET")
				if err != nil {
					return fail("%s, then second request: %v", r.Status, err)
				}
				return pass("%s, then %s on the same connection", r.Status, r2.Status)
			}},
		{"h1/connection-close", "RFC 9112 §9.6", "after answering a request with Connection: close the server closes",
			closesAfter(func(t *target) string { return t.request("GET", "Connection: close\r\n") })},
		{"h1/http10-close", "RFC 9112 §9.3", "an HTTP/1.0 request without keep-alive is answered, then the connection closes",
			closesAfter(func(t *target) string {
				return fmt.Sprintf("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", t.path, t.authority())
			})},
		{"h1/http10-keep-alive", "RFC 9112 App. C.2.2", "HTTP/1.0 keep-alive: the server closes, or says keep-alive and answers again",
			checkHTTP10KeepAlive},
		{"h1/te-http10", "RFC 9112 §6.1", "an HTTP/1.0 request with Transfer-Encoding is treated as faulty: the connection closes",
			closesAfter(func(t *target) string {
				return fmt.Sprintf("POST %s HTTP/1.0\r\nHost: %s\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
					t.path, t.authority())
			})},
		{"h1/cl-te", "RFC 9112 §6.1", "Content-Length with Transfer-Encoding: 400, or TE wins and the connection closes",
			checkCLTE},
	}
}

// closesAfter is a check that raw gets a response and the connection then closes.
func closesAfter(raw func(t *target) string) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, r, err := t.exchange(ctx, raw(t), "GET")
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		if closed, seen := c.closedAfter(closeWait); !closed {
			return fail("%s, then %s", r.Status, seen)
		}
		return pass("%s, then connection closed", r.Status)
	}
}

func checkHTTP10KeepAlive(ctx context.Context, t *target) outcome {
	raw := fmt.Sprintf("GET %s HTTP/1.0\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n", t.path, t.authority())
	c, r, err := t.exchange(ctx, raw, "GET")
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	ka := hasToken(r.Header, "Connection", "keep-alive")
	if !ka {
		if closed, seen := c.closedAfter(closeWait); !closed {
			return fail("%s without Connection: keep-alive, then %s", r.Status, seen)
		}
		return pass("%s, then connection closed", r.Status)
	}
	if err := c.send(raw); err != nil {
		return fail("%s with keep-alive, then sending again: %v", r.Status, err)
	}
	r2, err := c.readFinal("GET")
	if err != nil {
		return fail("%s with Connection: keep-alive, then second request: %v", r.Status, err)
	}
	return pass("%s with Connection: keep-alive, then %s", r.Status, r2.Status)
}

// checkCLTE sends a chunked body whose Content-Length covers one more byte,
// "G", the start of a smuggled request if the server believes the length.
func checkCLTE(ctx context.Context, t *target) outcome {
	raw := t.request("POST", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\nG"
	c, r, err := t.exchange(ctx, raw, "POST")
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	closed, seen := c.closedAfter(closeWait)
	switch {
	case closed:
		return pass("%s, then connection closed", r.Status)
	case r.StatusCode == 400:
		return fail("400, but %s", seen)
	}
	return fail("%s, then %s: the stray \"G\" stays in the connection", r.Status, seen)
}

// hasToken reports whether header key lists token (case-insensitively).
func hasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}
