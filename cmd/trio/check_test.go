package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/triohttp/trio/static"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
)

var summaryRE = regexp.MustCompile(`^\d+ passed, \d+ failed(, \d+ skipped)?$`)

// checkTarget serves a file with trio and returns its https URL and the CA file.
func checkTarget(t *testing.T) (url, cafile string) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "file.txt"), bytes.Repeat([]byte("0123456789"), 100), 0o644)
	ts := triotest.New(t, triotest.H1, static.New(dir))
	return ts.URL + "/file.txt", ts.Cert.Source.(*tlsconf.LocalCA).RootFile()
}

func TestCheck(t *testing.T) {
	url, ca := checkTarget(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"cacert", []string{"check", "--suite", "semantics,altsvc", "--cacert", ca, url}},
		{"insecure, flags last", []string{"check", url, "--suite=semantics", "--insecure"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			if code != exitOK {
				t.Fatalf("exit %d; want 0\n%s%s", code, out.String(), errOut.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if last := lines[len(lines)-1]; !summaryRE.MatchString(last) || !strings.Contains(last, " 0 failed") {
				t.Errorf("summary %q; want \"N passed, 0 failed\"", last)
			}
			for _, l := range lines[:len(lines)-1] {
				if !strings.HasPrefix(l, "PASS semantics/") && !strings.HasPrefix(l, "PASS altsvc/") {
					t.Errorf("line %q; want PASS semantics/... or PASS altsvc/...", l)
				}
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	url, ca := checkTarget(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"check", "--json", "--suite", "semantics", "--cacert", ca, url}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		Passed, Failed int
		Results        []struct{ ID, Status string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if rep.Passed == 0 || rep.Failed != 0 || len(rep.Results) != rep.Passed {
		t.Errorf("passed %d, failed %d, %d results; want all passed", rep.Passed, rep.Failed, len(rep.Results))
	}
}

// TestCheckFailing points check at a server that answers every request
// line with 200, whatever it holds: the h1 checks fail and the exit code is 1.
func TestCheckFailing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if strings.Contains(line, "HTTP/1.") {
						c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
					}
				}
			}()
		}
	}()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--suite", "h1", "--timeout", "3s", "http://" + l.Addr().String() + "/"}, &out, &errOut)
	if code != exitError {
		t.Errorf("exit %d; want 1", code)
	}
	if !strings.Contains(out.String(), "FAIL h1/multiple-host") {
		t.Errorf("output lacks FAIL h1/multiple-host:\n%s", out.String())
	}
	if last := lastLine(out.String()); !summaryRE.MatchString(last) {
		t.Errorf("summary %q", last)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check"},
		{"check", "ftp://example.com/"},
		{"check", "--suite", "nope", "http://127.0.0.1:1/"},
		{"check", "--cacert", "/nonexistent", "https://127.0.0.1:1/"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d; want 2 (stderr %q)", args, code, errOut.String())
		}
	}
}
