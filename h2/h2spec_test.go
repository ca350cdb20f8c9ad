package h2

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// h2specPath finds the h2spec binary on PATH or in GOPATH/bin.
func h2specPath(t *testing.T) string {
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "h2spec")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "h2spec not installed: go install github.com/summerwind/h2spec/cmd/h2spec@latest"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// h2specHandler answers every request with a small body, draining any
// request body first.
func h2specHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, strings.Repeat("h2spec ", 100))
}

// h2specNoReadHandler answers at once with 1 KiB, never reading the
// request body, as a static file handler does: the engine alone must keep
// checking the request side of the stream.
func h2specNoReadHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(h2specBody)
}

var h2specBody = bytes.Repeat([]byte("x"), 1024)

// TestH2Spec runs h2spec's 145 cases against trio's engine over TLS and
// h2c, with and without --strict, with a handler that drains the request
// body and one that never reads it.
func TestH2Spec(t *testing.T) {
	bin := h2specPath(t)
	handlers := []struct {
		name string
		h    http.HandlerFunc
	}{{"drain", h2specHandler}, {"noread", h2specNoReadHandler}}
	for _, hh := range handlers {
		for _, m := range []mode{{EngineTrio, true}, {EngineTrio, false}} {
			for _, strict := range []bool{false, true} {
				name := hh.name + "/" + m.String()
				if strict {
					name += "-strict"
				}
				t.Run(name, func(t *testing.T) {
					ts := newTestServer(t, m, hh.h, nil)
					runH2Spec(t, bin, ts.addr, m.tls, strict)
				})
			}
		}
	}
}

// junit is the part of h2spec's JUnit report read here.
type junit struct {
	Suites []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Package   string    `xml:"package,attr"`
			Classname string    `xml:"classname,attr"`
			Name      string    `xml:"name,attr"`
			Failure   *struct{} `xml:"failure"`
			Error     *struct{} `xml:"error"`
			Skipped   *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func runH2Spec(t *testing.T, bin, addr string, useTLS, strict bool) {
	_, port, _ := strings.Cut(addr, ":")
	report := filepath.Join(t.TempDir(), "report.xml")
	args := []string{"-h", "127.0.0.1", "-p", port, "-o", "3", "-j", report}
	if useTLS {
		args = append(args, "-t", "-k")
	}
	if strict {
		args = append(args, "--strict")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	data, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("h2spec: %v, no report: %v\n%s", err, rerr, out)
	}
	// Failure messages may quote raw frame bytes, which XML forbids.
	data = bytes.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return '?'
		}
		return r
	}, data)
	var j junit
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("parsing report: %v", err)
	}
	var failed []string
	total := 0
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			total++
			if c.Failure != nil || c.Error != nil {
				failed = append(failed, fmt.Sprintf("%s %s%s", c.Package, c.Classname, c.Name))
			}
		}
	}
	t.Logf("h2spec: %d cases, %d failed", total, len(failed))
	if len(failed) > 0 || total < 145 {
		t.Errorf("h2spec: %d of %d cases failed:\n%s\n\n%s", len(failed), total, strings.Join(failed, "\n"), tail(out, 6000))
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
