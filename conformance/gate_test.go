package conformance

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/static"
	"github.com/triohttp/trio/triotest"
)

// gateFile is the resource the checks request on trio; gateWS its
// WebSocket echo endpoint.
const (
	gateFile = "/conformance.txt"
	gateWS   = "/ws/echo"
)

// startTrio serves a static directory on loopback over TLS, QUIC and
// cleartext. Request bodies are read before the static handler answers, as
// an application reading its uploads would, so HTTP/2 and HTTP/3 see the
// whole request (h2spec's content-length cases send DATA after HEADERS).
func startTrio(t *testing.T, opts ...func(*trio.Server)) *triotest.TS {
	t.Helper()
	dir := t.TempDir()
	body := make([]byte, 4096)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	if err := os.WriteFile(filepath.Join(dir, gateFile), body, 0o644); err != nil {
		t.Fatal(err)
	}
	h := static.New(dir)
	return triotest.New(t, triotest.H1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == gateWS {
			demo.Echo(w, r)
			return
		}
		if r.Method != http.MethodConnect { // a tunnel's body never ends
			io.Copy(io.Discard, r.Body)
		}
		h.ServeHTTP(w, r)
	}), opts...)
}

func runAgainst(t *testing.T, target string, opts *Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), target, opts)
	if err != nil {
		t.Fatalf("Run(%s): %v", target, err)
	}
	return rep
}

// knownDeviations are failures of trio that the checker reports correctly
// and trio has yet to fix, by transport ("tls", "cleartext") and case id.
// Each names the reason; the gate fails if one starts passing, so the list
// only shrinks.
var knownDeviations = map[string]string{}

// TestTrio is the gate: every suite against trio over TLS and cleartext,
// every case passing (or skipped for a stated reason, such as HTTP/3 over
// cleartext), apart from the known deviations listed above.
func TestTrio(t *testing.T) {
	ts := startTrio(t)
	for _, tc := range []struct {
		name, url string
		opts      *Options
	}{
		{"tls", "https://" + ts.TLSAddr().String() + gateFile, &Options{RootCAs: ts.Cert.Pool, WSPath: gateWS}},
		{"cleartext", "http://" + ts.Addrs.Cleartext[0].Addr().String() + gateFile, &Options{WSPath: gateWS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() {
				tc.opts.Suites = []string{"h1", "h3", "altsvc", "ws", "semantics"}
			}
			rep := runAgainst(t, tc.url, tc.opts)
			checkGate(t, tc.name, rep)
		})
	}
}

func checkGate(t *testing.T, transport string, rep *Report) {
	t.Helper()
	for _, r := range rep.Results {
		why, known := knownDeviations[transport+"/"+r.ID]
		switch {
		case r.Status == Fail && known:
			t.Logf("known deviation: %s (%s)", r, why)
		case r.Status == Fail:
			t.Errorf("%s", r)
		case known:
			t.Errorf("%s now %s: remove it from knownDeviations", r.ID, r.Status)
		}
		if r.Status == Skip && !skipAllowed(transport, r) {
			t.Errorf("%s", r)
		}
	}
	if testing.Verbose() {
		for _, r := range rep.Results {
			t.Log(r)
		}
	}
	if rep.Count(Pass) == 0 {
		t.Errorf("no case passed: %s", rep.Summary())
	}
	t.Logf("%s: %s", transport, rep.Summary())
}

// skipAllowed lists the skips the gate accepts: a case that cannot run
// against trio for a reason that is not trio's fault.
func skipAllowed(transport string, r Result) bool {
	if r.ID == "h2/h2spec" && os.Getenv("CI") != "true" {
		return true // h2spec not installed locally
	}
	// HTTP/3 and Alt-Svc need an https origin.
	return transport == "cleartext" && (r.Suite == "h3" || r.Suite == "altsvc" || strings.HasPrefix(r.ID, "ws/h3/"))
}
