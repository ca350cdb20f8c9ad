package conformance

import (
	"context"
	"fmt"
)

// h1TolerantCases are inputs the RFC lets a server either reject with 400 or
// repair (bare LF as a line end, obs-fold or bare CR replaced by spaces). A
// server passes by doing either; it fails by hanging or answering garbage.
func h1TolerantCases() []testCase {
	cases := []struct {
		id, section, expect string
		raw                 func(t *target) string
	}{
		{"bare-lf", "RFC 9112 §2.2", "lines ended by bare LF: 400, or parsed as CRLF",
			func(t *target) string {
				return fmt.Sprintf("GET %s HTTP/1.1\nHost: %s\n\n", t.path, t.authority())
			}},
		{"bare-cr", "RFC 9112 §2.2", "a bare CR in a field value: 400, or replaced by SP",
			withHeaders("X-Check: a\rb\r\n")},
		{"obs-fold", "RFC 9112 §5.2", "obs-fold in a field value: 400, or replaced by SP",
			withHeaders("X-Check: a\r\n  b\r\n")},
		{"nul-in-value", "RFC 9110 §5.5", "a NUL in a field value: 400, or replaced by SP",
			withHeaders("X-Check: a\x00b\r\n")},
		{"ws-before-header", "RFC 9112 §2.2", "whitespace before the first field line: 400, or the line ignored",
			func(t *target) string {
				return fmt.Sprintf("GET %s HTTP/1.1\r\n X-Check: 1\r\nHost: %s\r\n\r\n", t.path, t.authority())
			}},
	}
	var out []testCase
	for _, c := range cases {
		out = append(out, testCase{"h1/" + c.id, c.section, c.expect, tolerates(c.raw)})
	}
	return out
}

func tolerates(raw func(t *target) string) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, r, err := t.exchange(ctx, raw(t), "GET")
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		if r.StatusCode == 400 {
			return pass("rejected: 400")
		}
		return pass("repaired: %s", r.Status)
	}
}
