// Package h2spec runs h2spec, the HTTP/2 conformance tester, against a
// server and reads its JUnit report: shared by trio's h2 tests and the h2
// suite of `trio check`.
package h2spec

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/triohttp/trio/internal/gotool"
)

// Install is how to get the h2spec binary outside trio's module.
const Install = "go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible"

// Path finds the h2spec binary: the one go.mod's tool directive pins,
// which `go tool` builds when run inside trio's module (as tests are),
// then h2spec on PATH, then in $GOPATH/bin (or ~/go/bin), where `go
// install` puts it.
func Path() (string, error) {
	if p, err := gotool.Path("h2spec"); err == nil {
		return p, nil
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
		return "", fmt.Errorf("h2spec not found (%s)", Install)
	}
	return p, nil
}

// Options say where h2spec connects and how strictly it checks.
type Options struct {
	Host, Port string
	Path       string // request path; "" means h2spec's default, "/"
	TLS        bool   // connect with TLS, not checking the certificate
	Strict     bool   // also run the cases RFC 9113 says SHOULD
}

// Run runs the h2spec binary bin with opts and returns its cases and its
// output. An error means no report was read; failed cases are not errors.
func Run(ctx context.Context, bin string, opts Options) ([]Case, []byte, error) {
	dir, err := os.MkdirTemp("", "trio-h2spec")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.xml")
	args := []string{"-h", opts.Host, "-p", opts.Port, "-o", "3", "-j", report}
	if opts.Path != "" {
		args = append(args, "-P", opts.Path)
	}
	if opts.TLS {
		args = append(args, "-t", "-k")
	}
	if opts.Strict {
		args = append(args, "--strict")
	}
	out, runErr := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, out, fmt.Errorf("h2spec: %w, no report: %v", errors.Join(runErr), err)
	}
	cases, err := Parse(data)
	return cases, out, err
}

// A Case is one h2spec test case.
type Case struct {
	Package   string // "http2/6.5.3", "hpack/4.2", "generic/3.1"
	Classname string // what the case expects
	Name      string
	Status    Status
	Message   string // why it failed or was skipped
}

// Status is the outcome of a case.
type Status string

// The statuses a Case can have.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// report is the part of h2spec's JUnit report read here.
type report struct {
	Suites []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Package   string   `xml:"package,attr"`
			Classname string   `xml:"classname,attr"`
			Name      string   `xml:"name,attr"`
			Failure   *message `xml:"failure"`
			Error     *message `xml:"error"`
			Skipped   *message `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type message struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (m *message) String() string {
	if m.Text != "" {
		return strings.TrimSpace(m.Text)
	}
	return m.Message
}

var ctlRef = regexp.MustCompile(`&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});`)

// Parse reads an h2spec JUnit report. A case without a package takes its
// suite's name.
func Parse(data []byte) ([]Case, error) {
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
	var j report
	if err := xml.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("parsing h2spec's JUnit report: %v", err)
	}
	var out []Case
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			kase := Case{Package: c.Package, Classname: c.Classname, Name: c.Name, Status: Passed}
			if kase.Package == "" {
				kase.Package = s.Name
			}
			switch {
			case c.Failure != nil:
				kase.Status, kase.Message = Failed, c.Failure.String()
			case c.Error != nil:
				kase.Status, kase.Message = Failed, c.Error.String()
			case c.Skipped != nil:
				kase.Status, kase.Message = Skipped, c.Skipped.String()
			}
			out = append(out, kase)
		}
	}
	return out, nil
}
