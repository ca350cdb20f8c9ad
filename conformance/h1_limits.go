package conformance

import (
	"context"
	"fmt"
	"strings"
)

// limitSize is how large an over-long target or header block is: beyond the
// 1 MiB most servers allow, small enough to send anywhere.
const limitSize = 2 << 20

func h1LimitCases() []testCase {
	return []testCase{
		{"h1/uri-too-long", "RFC 9112 §3", "a 2 MiB request-target gets 414",
			limitCheck(414, func(t *target) string {
				return fmt.Sprintf("GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n", strings.Repeat("a", limitSize), t.authority())
			})},
		{"h1/headers-too-large", "RFC 6585 §5", "2 MiB of header fields get 431",
			limitCheck(431, func(t *target) string {
				var b strings.Builder
				for i := 0; b.Len() < limitSize; i++ {
					fmt.Fprintf(&b, "X-Fill-%d: %s\r\n", i, strings.Repeat("b", 4000))
				}
				return t.request("GET", b.String())
			})},
	}
}

// limitCheck expects code for raw. A server that accepts the request has a
// larger limit than the check can show: the case is skipped.
func limitCheck(code int, raw func(t *target) string) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, err := t.dialH1(ctx)
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		// The server may answer and close before reading it all: send in
		// the background and read what comes back.
		sent := make(chan error, 1)
		go func() { sent <- c.send(raw(t)) }()
		r, err := c.readFinal("GET")
		if err != nil {
			select {
			case serr := <-sent:
				if serr != nil {
					return fail("%v (sending: %v)", err, serr)
				}
			default:
			}
			return fail("%v", err)
		}
		switch {
		case r.StatusCode == code:
			return pass("%s", r.Status)
		case r.StatusCode < 400:
			return skip("accepted (%s): the server's limit is above 2 MiB", r.Status)
		}
		return fail("%s", r.Status)
	}
}
