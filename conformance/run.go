package conformance

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// A suite is a named list of cases with an optional setup that may skip them all.
type suite struct {
	name  string
	cases []testCase
	// setup prepares the target for the cases; a non-empty return skips
	// every case with that reason.
	setup func(ctx context.Context, t *target) string
	// results, when set, yields results computed elsewhere (h2spec's cases),
	// reported before the cases; skip is setup's reason to skip, if any.
	results func(ctx context.Context, t *target, skip string) []Result
}

// A testCase is one check.
type testCase struct {
	id      string // unique, prefixed with the suite: "h1/cl-te"
	section string
	expect  string
	run     func(ctx context.Context, t *target) outcome
}

// An outcome is what a case concluded.
type outcome struct {
	status Status
	seen   string
}

func pass(format string, a ...any) outcome { return outcome{Pass, fmt.Sprintf(format, a...)} }
func fail(format string, a ...any) outcome { return outcome{Fail, fmt.Sprintf(format, a...)} }
func skip(format string, a ...any) outcome { return outcome{Skip, fmt.Sprintf(format, a...)} }

// suites is every suite, in the order Run runs them.
func suites() []*suite {
	return []*suite{h1Suite(), h2Suite(), h3Suite(), altsvcSuite(), wsSuite(), semanticsSuite()}
}

// SuiteNames lists the suites Run knows, in the order it runs them.
func SuiteNames() []string {
	var names []string
	for _, s := range suites() {
		names = append(names, s.name)
	}
	return names
}

// A target is the server under test, as every case sees it.
type target struct {
	url      *url.URL
	tls      bool   // https
	host     string // for SNI and Host
	addr     string // TCP host:port
	path     string // request-target for origin-form requests
	opts     *Options
	h3addr   string // UDP host:port, set by the h3 or altsvc setup
	h3reason string // why h3addr is empty
}

func newTarget(raw string, opts *Options) (*target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("conformance: target %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("conformance: target %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("conformance: target %q has no host", raw)
	}
	t := &target{url: u, tls: u.Scheme == "https", host: u.Hostname(), opts: opts}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "443", false: "80"}[t.tls]
	}
	t.addr = net.JoinHostPort(t.host, port)
	t.path = u.EscapedPath()
	if t.path == "" {
		t.path = "/"
	}
	if u.RawQuery != "" {
		t.path += "?" + u.RawQuery
	}
	return t, nil
}

// authority is the Host header value and :authority.
func (t *target) authority() string { return t.url.Host }

// Run checks the server at target (an http or https URL) with the suites opts
// names and returns every result. The error reports a bad target or an
// unknown suite; failures of the server are results, not errors.
func Run(ctx context.Context, targetURL string, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	t, err := newTarget(targetURL, opts)
	if err != nil {
		return nil, err
	}
	all := suites()
	for _, name := range opts.Suites {
		if !slices.ContainsFunc(all, func(s *suite) bool { return s.name == name }) {
			return nil, fmt.Errorf("conformance: unknown suite %q (have %s)", name, strings.Join(SuiteNames(), ", "))
		}
	}
	start := time.Now()
	rep := &Report{Target: targetURL}
	for _, s := range all {
		if len(opts.Suites) > 0 && !slices.Contains(opts.Suites, s.name) {
			continue
		}
		rep.Results = append(rep.Results, s.run(ctx, t)...)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func (s *suite) run(ctx context.Context, t *target) []Result {
	var reason string
	if s.setup != nil {
		sctx, cancel := context.WithTimeout(ctx, t.opts.timeout())
		reason = s.setup(sctx, t)
		cancel()
	}
	var out []Result
	if s.results != nil {
		out = append(out, s.results(ctx, t, reason)...)
	}
	for _, c := range s.cases {
		o := skip("%s", reason)
		if reason == "" {
			o = c.runOnce(ctx, t)
		}
		out = append(out, Result{Suite: s.name, ID: c.id, Section: c.section, Expect: c.expect, Status: o.status, Seen: o.seen})
	}
	return out
}

// runOnce runs c under the per-case timeout, turning a panic into a failure
// so one broken check cannot stop the report.
func (c testCase) runOnce(ctx context.Context, t *target) (o outcome) {
	if ctx.Err() != nil {
		return skip("not run: %v", ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, t.opts.timeout())
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			o = fail("checker panicked: %v", v)
		}
	}()
	return c.run(ctx, t)
}
