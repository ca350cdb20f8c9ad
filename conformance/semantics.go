package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// A resource is the target as a plain GET sees it: the baseline for
// conditional and range requests.
type resource struct {
	etag, lastModified string
	body               []byte
	ranges             bool // Accept-Ranges: bytes
}

func semanticsSuite() *suite {
	s := &suite{name: "semantics"}
	s.cases = append(s.cases, semanticsBasicCases()...)
	s.cases = append(s.cases, conditionalCases()...)
	s.cases = append(s.cases, rangeCases()...)
	return s
}

// do sends method with header lines ("Name: value") for t's URL over TCP.
func (t *target) do(ctx context.Context, method string, headers ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.url.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept-Encoding", "identity") // byte offsets of the stored bytes
	c := t.tcpClient()
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// baseline fetches the resource, or says why the checks that need it cannot run.
func (t *target) baseline(ctx context.Context) (*resource, outcome, bool) {
	resp, body, err := t.do(ctx, "GET")
	if err != nil {
		return nil, fail("GET: %v", err), false
	}
	if resp.StatusCode != 200 {
		return nil, skip("GET %s: a static resource answering 200 is needed", resp.Status), false
	}
	return &resource{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified"),
		body: body, ranges: hasToken(resp.Header, "Accept-Ranges", "bytes")}, outcome{}, true
}

// withResource runs f with the baseline, skipping when need says the
// resource lacks what f checks.
func withResource(need func(r *resource) string, f func(ctx context.Context, t *target, r *resource) outcome) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		r, o, ok := t.baseline(ctx)
		if !ok {
			return o
		}
		if need != nil {
			if why := need(r); why != "" {
				return skip("%s", why)
			}
		}
		return f(ctx, t, r)
	}
}

func needETag(r *resource) string {
	if r.etag == "" {
		return "the resource has no ETag"
	}
	return ""
}

func needStrongETag(r *resource) string {
	if r.etag == "" || strings.HasPrefix(r.etag, "W/") {
		return "the resource has no strong ETag"
	}
	return ""
}

func needLastModified(r *resource) string {
	if r.lastModified == "" {
		return "the resource has no Last-Modified"
	}
	return ""
}

var entityTag = regexp.MustCompile(`^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$`)

func semanticsBasicCases() []testCase {
	return []testCase{
		{"semantics/date", "RFC 9110 §6.6.1", "a 200 response carries a valid Date",
			func(ctx context.Context, t *target) outcome {
				resp, _, err := t.do(ctx, "GET")
				if err != nil {
					return fail("GET: %v", err)
				}
				d := resp.Header.Get("Date")
				if _, err := http.ParseTime(d); err != nil {
					return fail("Date %q: %v", d, err)
				}
				return pass("Date %s", d)
			}},
		{"semantics/etag-syntax", "RFC 9110 §8.8.3", "the ETag is a quoted entity-tag, optionally W/",
			withResource(needETag, func(_ context.Context, _ *target, r *resource) outcome {
				if !entityTag.MatchString(r.etag) {
					return fail("ETag %q is not an entity-tag", r.etag)
				}
				return pass("ETag %s", r.etag)
			})},
		{"semantics/head", "RFC 9110 §9.3.2", "HEAD: same status, Content-Length and ETag as GET, no body",
			withResource(nil, func(ctx context.Context, t *target, r *resource) outcome {
				resp, body, err := t.do(ctx, "HEAD")
				switch {
				case err != nil:
					return fail("HEAD: %v", err)
				case resp.StatusCode != 200:
					return fail("HEAD %s; GET 200", resp.Status)
				case len(body) > 0:
					return fail("HEAD sent %d body bytes", len(body))
				case resp.Header.Get("ETag") != r.etag:
					return fail("HEAD ETag %q; GET %q", resp.Header.Get("ETag"), r.etag)
				case resp.ContentLength >= 0 && resp.ContentLength != int64(len(r.body)):
					return fail("HEAD Content-Length %d; GET body %d bytes", resp.ContentLength, len(r.body))
				}
				return pass("HEAD 200, Content-Length %d, no body", resp.ContentLength)
			})},
	}
}

// expectStatus is a check that the request with headers gets code; more
// checks the response further.
func expectStatus(need func(*resource) string, code int, headers func(r *resource) []string,
	more func(resp *http.Response, body []byte, r *resource) string) func(context.Context, *target) outcome {
	return withResource(need, func(ctx context.Context, t *target, r *resource) outcome {
		h := headers(r)
		resp, body, err := t.do(ctx, "GET", h...)
		if err != nil {
			return fail("%v", err)
		}
		if resp.StatusCode != code {
			return fail("%q: %s", h, resp.Status)
		}
		if more != nil {
			if msg := more(resp, body, r); msg != "" {
				return fail("%q: %s, but %s", h, resp.Status, msg)
			}
		}
		return pass("%q: %s", h, resp.Status)
	})
}

func conditionalCases() []testCase {
	notModified := func(resp *http.Response, body []byte, r *resource) string {
		switch {
		case len(body) > 0:
			return fmt.Sprintf("a %d-byte body", len(body))
		case r.etag != "" && resp.Header.Get("ETag") != r.etag:
			return fmt.Sprintf("ETag %q, not the 200's %q", resp.Header.Get("ETag"), r.etag)
		case resp.Header.Get("Date") == "":
			return "no Date"
		}
		return ""
	}
	weak := func(etag string) string { return "W/" + strings.TrimPrefix(etag, "W/") }
	past := time.Unix(0, 0).UTC().Format(http.TimeFormat)
	return []testCase{
		{"semantics/if-none-match", "RFC 9110 §13.1.2", "If-None-Match with the ETag: 304 with the ETag and no body",
			expectStatus(needETag, 304, func(r *resource) []string { return []string{"If-None-Match: " + r.etag} }, notModified)},
		{"semantics/if-none-match-weak", "RFC 9110 §13.1.2", "If-None-Match compares weakly: W/ETag gets 304",
			expectStatus(needETag, 304, func(r *resource) []string { return []string{"If-None-Match: " + weak(r.etag)} }, notModified)},
		{"semantics/if-none-match-star", "RFC 9110 §13.1.2", "If-None-Match: * on an existing resource: 304",
			expectStatus(nil, 304, func(*resource) []string { return []string{"If-None-Match: *"} }, notModified)},
		{"semantics/if-none-match-other", "RFC 9110 §13.1.2", "If-None-Match with another ETag: 200",
			expectStatus(nil, 200, func(*resource) []string { return []string{`If-None-Match: "conformance-other"`} }, nil)},
		{"semantics/if-match-fail", "RFC 9110 §13.1.1", "If-Match with another ETag: 412",
			expectStatus(nil, 412, func(*resource) []string { return []string{`If-Match: "conformance-other"`} }, nil)},
		{"semantics/if-match", "RFC 9110 §13.1.1", "If-Match with the strong ETag: 200",
			expectStatus(needStrongETag, 200, func(r *resource) []string { return []string{"If-Match: " + r.etag} }, nil)},
		{"semantics/if-match-weak", "RFC 9110 §13.1.1", "If-Match compares strongly: W/ETag gets 412",
			expectStatus(needStrongETag, 412, func(r *resource) []string { return []string{"If-Match: " + weak(r.etag)} }, nil)},
		{"semantics/if-modified-since", "RFC 9110 §13.1.3", "If-Modified-Since the Last-Modified date: 304",
			expectStatus(needLastModified, 304, func(r *resource) []string { return []string{"If-Modified-Since: " + r.lastModified} }, notModified)},
		{"semantics/if-modified-since-past", "RFC 9110 §13.1.3", "If-Modified-Since 1970: 200",
			expectStatus(needLastModified, 200, func(*resource) []string { return []string{"If-Modified-Since: " + past} }, nil)},
		{"semantics/if-unmodified-since", "RFC 9110 §13.1.4", "If-Unmodified-Since 1970: 412",
			expectStatus(needLastModified, 412, func(*resource) []string { return []string{"If-Unmodified-Since: " + past} }, nil)},
		{"semantics/inm-over-ims", "RFC 9110 §13.2.2", "If-None-Match (no match) outranks a matching If-Modified-Since: 200",
			expectStatus(needLastModified, 200, func(r *resource) []string {
				return []string{`If-None-Match: "conformance-other"`, "If-Modified-Since: " + r.lastModified}
			}, nil)},
	}
}
