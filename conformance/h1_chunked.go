package conformance

import (
	"context"
	"strings"
	"time"
)

// h1ChunkCases send a broken chunked body followed by a second request. The
// server must not parse its way through the broken framing to the second
// request: it answers 400, or answers the first and closes.
func h1ChunkCases() []testCase {
	cases := []struct{ id, expect, body string }{
		{"chunk-negative", "chunk size -5: rejected, the next request never answered", "-5\r\nhello\r\n0\r\n\r\n"},
		{"chunk-0x", "chunk size 0x5: rejected, the next request never answered", "0x5\r\nhello\r\n0\r\n\r\n"},
		{"chunk-overflow", "chunk size beyond 64 bits: rejected, the next request never answered",
			"10000000000000005\r\nhello\r\n0\r\n\r\n"},
		{"chunk-no-crlf", "chunk data not followed by CRLF: rejected, the next request never answered",
			"5\r\nhelloXX0\r\n\r\n"},
		{"chunk-bare-lf-data", "chunk data ended by a bare LF: rejected, the next request never answered",
			"5\r\nhello\n0\r\n\r\n"},
		{"chunk-space-size", "chunk size with a space inside (\"1 0\"): rejected, the next request never answered",
			"1 0\r\nhello\r\n0\r\n\r\n"},
	}
	var out []testCase
	for _, c := range cases {
		out = append(out, testCase{"h1/" + c.id, "RFC 9112 §7.1", c.expect, noSmuggle(c.body)})
	}
	return out
}

func noSmuggle(body string) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, err := t.dialH1(ctx)
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		raw := t.request("POST", "Transfer-Encoding: chunked\r\n") + body + t.request("GET", "X-Smuggled: 1\r\n")
		if err := c.send(raw); err != nil {
			return fail("sending: %v", err)
		}
		r, err := c.readFinal("POST")
		if err != nil {
			return fail("%v", err)
		}
		c.SetReadDeadline(time.Now().Add(closeWait + time.Second))
		r2, err := c.readFinal("GET")
		if err == nil {
			return fail("%s, then answered the request after the broken body: %s", r.Status, r2.Status)
		}
		if strings.Contains(err.Error(), "timeout") {
			return fail("%s, then the connection hung open", r.Status)
		}
		return pass("%s, then %v", r.Status, err)
	}
}
