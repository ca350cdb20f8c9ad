package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
)

// trio check passes the semantics suite against the default site, the
// demo, whose pages package static serves: range-unknown-unit failed when
// they came from http.FileServerFS.
func TestCheckDemoSite(t *testing.T) {
	ts := triotest.New(t, triotest.H1, demo.Handler())
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--suite", "semantics", "--cacert",
		ts.Cert.Source.(*tlsconf.LocalCA).RootFile(), ts.URL + "/"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d; want 0\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "PASS semantics/range-unknown-unit") {
		t.Errorf("no PASS for semantics/range-unknown-unit:\n%s", out.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(l, "FAIL") {
			t.Errorf("%s", l)
		}
	}
}
