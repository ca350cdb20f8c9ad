package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// h2specPath finds the h2spec binary: opts.H2Spec, PATH, then $GOPATH/bin
// (or ~/go/bin).
func h2specPath(opts *Options) (string, error) {
	if opts.H2Spec != "" {
		if _, err := os.Stat(opts.H2Spec); err != nil {
			return "", fmt.Errorf("h2spec: %v", err)
		}
		return opts.H2Spec, nil
	}
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "h2spec")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("h2spec not found (go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible)")
	}
	return p, nil
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
	dir, err := os.MkdirTemp("", "trio-h2spec")
	if err != nil {
		return one(fail("%v", err))
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.xml")
	args := []string{"-h", host, "-p", port, "-P", t.path, "-o", "3", "-j", report, "--strict"}
	if t.tls {
		args = append(args, "-t", "-k")
	}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	data, rerr := os.ReadFile(report)
	if rerr != nil {
		return one(fail("h2spec: %v, no report: %s", err, lastLine(out)))
	}
	cases, err := parseJUnit(data)
	if err != nil {
		return one(fail("h2spec report: %v", err))
	}
	if len(cases) == 0 {
		return one(fail("h2spec ran no case: %s", lastLine(out)))
	}
	return cases
}

var ctlRef = regexp.MustCompile(`&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});`)

// junitReport is the part of h2spec's JUnit report read here.
type junitReport struct {
	Suites []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Package   string        `xml:"package,attr"`
			Classname string        `xml:"classname,attr"`
			Failure   *junitMessage `xml:"failure"`
			Error     *junitMessage `xml:"error"`
			Skipped   *junitMessage `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (m *junitMessage) String() string {
	if m.Text != "" {
		return strings.TrimSpace(m.Text)
	}
	return m.Message
}

// parseJUnit turns an h2spec JUnit report into results, one per case, with
// ids like "h2/http2/6.5.3/2". h2spec numbers sections after RFC 7540 and
// RFC 7541, which RFC 9113 kept.
func parseJUnit(data []byte) ([]Result, error) {
	// Failure messages may quote raw frame bytes, which XML forbids, raw or
	// as character references.
	data = ctlRef.ReplaceAllFunc(data, func(ref []byte) []byte {
		s := strings.TrimSuffix(strings.TrimPrefix(string(ref), "&#"), ";")
		base := 10
		if s2, ok := strings.CutPrefix(s, "x"); ok {
			s, base = s2, 16
		}
		if n, err := strconv.ParseUint(s, base, 32); err == nil && (n >= 0x20 || n == '\t' || n == '\n' || n == '\r') {
			return ref
		}
		return []byte("?")
	})
	data = bytes.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return '?'
		}
		return r
	}, data)
	var j junitReport
	if err := xml.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("parsing JUnit XML: %v", err)
	}
	var out []Result
	seq := map[string]int{}
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			pkg := c.Package
			if pkg == "" {
				pkg = s.Name
			}
			seq[pkg]++
			res := Result{Suite: "h2", ID: fmt.Sprintf("h2/%s/%d", pkg, seq[pkg]),
				Section: h2specSection(pkg), Expect: c.Classname, Status: Pass, Seen: "as expected"}
			switch {
			case c.Failure != nil:
				res.Status, res.Seen = Fail, c.Failure.String()
			case c.Error != nil:
				res.Status, res.Seen = Fail, c.Error.String()
			case c.Skipped != nil:
				res.Status, res.Seen = Skip, c.Skipped.String()
			}
			out = append(out, res)
		}
	}
	return out, nil
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
