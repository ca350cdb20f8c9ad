package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/triohttp/trio/internal/h2spec"
)

// h2specPath finds the h2spec binary: opts.H2Spec, or where h2spec.Path
// looks.
func h2specPath(opts *Options) (string, error) {
	if opts.H2Spec != "" {
		if _, err := os.Stat(opts.H2Spec); err != nil {
			return "", fmt.Errorf("h2spec: %v", err)
		}
		return opts.H2Spec, nil
	}
	return h2spec.Path()
}

// h2specResults runs h2spec --strict against t and turns each of its cases
// into a result. h2spec is told to skip certificate checks: it tests the
// protocol, and has no option for a CA file.
func h2specResults(ctx context.Context, t *target, skipReason string) []Result {
	one := func(o outcome) []Result {
		return []Result{{Suite: "h2", ID: "h2/h2spec", Section: "RFC 9113", Expect: "h2spec --strict runs",
			Status: o.status, Seen: o.seen}}
	}
	if skipReason != "" {
		return one(skip("%s", skipReason))
	}
	bin, err := h2specPath(t.opts)
	if err != nil {
		return one(skip("%v", err))
	}
	host, port, _ := net.SplitHostPort(t.addr)
	cases, out, err := h2spec.Run(ctx, bin, h2spec.Options{Host: host, Port: port, Path: t.path, TLS: t.tls, Strict: true})
	if err != nil {
		return one(fail("%v: %s", err, lastLine(out)))
	}
	if len(cases) == 0 {
		return one(fail("h2spec ran no case: %s", lastLine(out)))
	}
	return results(cases)
}

// parseJUnit turns an h2spec JUnit report into results, one per case, with
// ids like "h2/http2/6.5.3/2". h2spec numbers sections after RFC 7540 and
// RFC 7541, which RFC 9113 kept.
func parseJUnit(data []byte) ([]Result, error) {
	cases, err := h2spec.Parse(data)
	if err != nil {
		return nil, err
	}
	return results(cases), nil
}

func results(cases []h2spec.Case) []Result {
	out := make([]Result, 0, len(cases))
	seq := map[string]int{}
	for _, c := range cases {
		seq[c.Package]++
		res := Result{Suite: "h2", ID: fmt.Sprintf("h2/%s/%d", c.Package, seq[c.Package]),
			Section: h2specSection(c.Package), Expect: c.Classname, Status: Pass, Seen: "as expected"}
		switch c.Status {
		case h2spec.Failed:
			res.Status, res.Seen = Fail, c.Message
		case h2spec.Skipped:
			res.Status, res.Seen = Skip, c.Message
		}
		out = append(out, res)
	}
	return out
}

// h2specSection maps an h2spec package ("http2/6.5.3", "hpack/4.2",
// "generic/3.1") to an RFC section.
func h2specSection(pkg string) string {
	kind, sec, _ := strings.Cut(pkg, "/")
	switch kind {
	case "http2":
		return "RFC 7540 §" + sec // h2spec numbers after RFC 7540
	case "hpack":
		return "RFC 7541 §" + sec
	}
	return "RFC 9113 (h2spec generic)"
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
