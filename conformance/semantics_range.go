package conformance

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// needRanges skips resources too small for the range checks, and servers
// that do not support byte ranges (RFC 9110 §14.2 lets them ignore Range).
func needRanges(r *resource) string {
	switch {
	case !r.ranges:
		return "the resource does not advertise Accept-Ranges: bytes"
	case len(r.body) < 8:
		return fmt.Sprintf("the resource is %d bytes; 8 are needed", len(r.body))
	}
	return ""
}

// partial checks a 206 carries body[first:last+1] and its Content-Range.
func partial(first, last func(n int) int) func(*http.Response, []byte, *resource) string {
	return func(resp *http.Response, body []byte, r *resource) string {
		n := len(r.body)
		f, l := first(n), last(n)
		want := fmt.Sprintf("bytes %d-%d/%d", f, l, n)
		if cr := resp.Header.Get("Content-Range"); cr != want {
			return fmt.Sprintf("Content-Range %q; want %q", cr, want)
		}
		if !bytes.Equal(body, r.body[f:l+1]) {
			return fmt.Sprintf("%d body bytes that are not bytes %d-%d", len(body), f, l)
		}
		return ""
	}
}

func rangeCases() []testCase {
	n := func(v int) func(int) int { return func(int) int { return v } }
	fromEnd := func(v int) func(int) int { return func(size int) int { return size - v } }
	return []testCase{
		{"semantics/range", "RFC 9110 §14.2", "Range: bytes=0-3 gets 206, Content-Range bytes 0-3/N and those bytes",
			expectStatus(needRanges, 206, func(*resource) []string { return []string{"Range: bytes=0-3"} }, partial(n(0), n(3)))},
		{"semantics/range-suffix", "RFC 9110 §14.1.2", "Range: bytes=-3 gets the last 3 bytes",
			expectStatus(needRanges, 206, func(*resource) []string { return []string{"Range: bytes=-3"} }, partial(fromEnd(3), fromEnd(1)))},
		{"semantics/range-open", "RFC 9110 §14.1.2", "Range: bytes=2- gets everything from byte 2",
			expectStatus(needRanges, 206, func(*resource) []string { return []string{"Range: bytes=2-"} }, partial(n(2), fromEnd(1)))},
		{"semantics/range-unsatisfiable", "RFC 9110 §15.5.17", "a range starting past the end gets 416 with Content-Range bytes */N",
			expectStatus(needRanges, 416, func(r *resource) []string {
				return []string{"Range: bytes=" + strconv.Itoa(len(r.body)) + "-"}
			}, func(resp *http.Response, _ []byte, r *resource) string {
				if cr, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes */%d", len(r.body)); cr != want {
					return fmt.Sprintf("Content-Range %q; want %q", cr, want)
				}
				return ""
			})},
		{"semantics/range-multi", "RFC 9110 §14.6", "two ranges get 206 multipart/byteranges with both parts",
			expectStatus(needRanges, 206, func(*resource) []string { return []string{"Range: bytes=0-0,4-5"} }, checkMultipart)},
		{"semantics/range-unknown-unit", "RFC 9110 §14.2", "a Range in an unknown unit is ignored: 200",
			expectStatus(needRanges, 200, func(*resource) []string { return []string{"Range: pages=1-2"} }, nil)},
		{"semantics/if-range-match", "RFC 9110 §13.1.5", "If-Range with the ETag: the range (206)",
			expectStatus(func(r *resource) string { return needRanges(r) + needStrongETag(r) }, 206, func(r *resource) []string {
				return []string{"Range: bytes=0-3", "If-Range: " + r.etag}
			}, partial(n(0), n(3)))},
		{"semantics/if-range-mismatch", "RFC 9110 §13.1.5", "If-Range with another ETag: the whole resource (200)",
			expectStatus(needRanges, 200, func(*resource) []string {
				return []string{"Range: bytes=0-3", `If-Range: "conformance-other"`}
			}, func(_ *http.Response, body []byte, r *resource) string {
				if !bytes.Equal(body, r.body) {
					return fmt.Sprintf("a %d-byte body, not the whole %d bytes", len(body), len(r.body))
				}
				return ""
			})},
	}
}

// checkMultipart checks a 206 multipart/byteranges answer to bytes=0-0,4-5.
// A server may also coalesce or answer one part only if ranges overlap; these
// do not, so two parts are required.
func checkMultipart(resp *http.Response, body []byte, r *resource) string {
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		return fmt.Sprintf("Content-Type %q, not multipart/byteranges", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	want := []struct{ first, last int }{{0, 0}, {4, 5}}
	for i, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			return fmt.Sprintf("part %d: %v", i+1, err)
		}
		var got bytes.Buffer
		got.ReadFrom(p)
		cr := fmt.Sprintf("bytes %d-%d/%d", w.first, w.last, len(r.body))
		if p.Header.Get("Content-Range") != cr || !bytes.Equal(got.Bytes(), r.body[w.first:w.last+1]) {
			return fmt.Sprintf("part %d is %q %q; want %q", i+1, p.Header.Get("Content-Range"), got.Bytes(), cr)
		}
	}
	if _, err := mr.NextPart(); err == nil {
		return "more than two parts"
	} else if !strings.Contains(err.Error(), "EOF") {
		return fmt.Sprintf("after the parts: %v", err)
	}
	return ""
}
