package conformance

import "fmt"

// h1RejectCases are requests a server must refuse with 400 (or 501 for a
// transfer coding it does not implement); framing errors also close.
func h1RejectCases() []testCase {
	bad := []int{400}
	te := []int{400, 501}
	cases := []struct {
		id, section, expect string
		raw                 func(t *target) string
		codes               []int
		mustClose           bool
	}{
		{"cl-conflict", "RFC 9112 §6.3", "two different Content-Length lines: 400 and close",
			withBody("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), bad, true},
		{"cl-list-conflict", "RFC 9112 §6.3", "Content-Length: 3, 4: 400 and close",
			withBody("Content-Length: 3, 4\r\n", "abcd"), bad, true},
		{"cl-plus", "RFC 9110 §8.6", "Content-Length: +3: 400 and close",
			withBody("Content-Length: +3\r\n", "abc"), bad, true},
		{"cl-negative", "RFC 9110 §8.6", "Content-Length: -1: 400 and close",
			withBody("Content-Length: -1\r\n", "abc"), bad, true},
		{"te-xchunked", "RFC 9112 §6.3", "Transfer-Encoding: xchunked (chunked not final): 400/501 and close",
			withBody("Transfer-Encoding: xchunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), te, true},
		{"te-not-final", "RFC 9112 §6.3", "Transfer-Encoding: chunked, gzip: 400/501 and close",
			withBody("Transfer-Encoding: chunked, gzip\r\n", "3\r\nabc\r\n0\r\n\r\n"), te, true},
		{"te-twice", "RFC 9112 §6.1", "chunked applied twice (two TE lines): 400/501 and close",
			withBody("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), te, true},
		{"te-vtab", "RFC 9112 §6.1", "Transfer-Encoding:\\vchunked: 400/501 and close",
			withBody("Transfer-Encoding:\vchunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), te, true},
		{"te-space-before-colon", "RFC 9112 §5.1", "Transfer-Encoding : chunked (space before colon): 400",
			withBody("Transfer-Encoding : chunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), bad, false},
		{"space-before-colon", "RFC 9112 §5.1", "a field name followed by a space before the colon: 400",
			withHeaders("X-Check : 1\r\n"), bad, false},
		{"field-name-ctl", "RFC 9110 §5.1", "a control byte in a field name: 400",
			withHeaders("X-\x01Check: 1\r\n"), bad, false},
		{"missing-host", "RFC 9112 §3.2", "an HTTP/1.1 request without Host: 400",
			func(t *target) string { return fmt.Sprintf("GET %s HTTP/1.1\r\n\r\n", t.path) }, bad, false},
		{"multiple-host", "RFC 9112 §3.2", "two Host lines: 400",
			withHeaders("Host: other.example\r\n"), bad, false},
		{"invalid-host", "RFC 9112 §3.2", "Host with a space and a NUL in it: 400",
			func(t *target) string {
				return fmt.Sprintf("GET %s HTTP/1.1\r\nHost: a b\x00c\r\n\r\n", t.path)
			}, bad, false},
		{"invalid-method", "RFC 9112 §3", "a method that is not a token (GE@T): 400",
			func(t *target) string {
				return fmt.Sprintf("GE@T %s HTTP/1.1\r\nHost: %s\r\n\r\n", t.path, t.authority())
			}, []int{400, 501}, false},
		{"request-line-spaces", "RFC 9112 §3", "two spaces between method and target: 400 (or 301)",
			func(t *target) string {
				return fmt.Sprintf("GET  %s HTTP/1.1\r\nHost: %s\r\n\r\n", t.path, t.authority())
			}, []int{400, 301}, false},
	}
	var out []testCase
	for _, c := range cases {
		out = append(out, testCase{"h1/" + c.id, c.section, c.expect, rejects(c.raw, c.codes, c.mustClose)})
	}
	return out
}
