package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
)

// requireEachFails checks that every case of suite failed in at least one of
// the reports (runs against deliberately broken servers), saying why, and
// that nothing else did.
func requireEachFails(t *testing.T, suite string, except map[string]bool, reps ...*Report) {
	t.Helper()
	failed := map[string]string{}
	for _, rep := range reps {
		for _, r := range rep.Results {
			if r.Status != Fail {
				continue
			}
			if r.Seen == "" {
				t.Errorf("%s failed without saying why", r.ID)
			}
			if _, ok := failed[r.ID]; !ok {
				failed[r.ID] = r.Seen
			}
		}
	}
	var missing []string
	for _, c := range suiteByName(suite).cases {
		if _, ok := failed[c.id]; !ok && !except[c.id] {
			missing = append(missing, c.id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s: these checks never failed against the broken servers: %s", suite, strings.Join(missing, ", "))
	}
	if testing.Verbose() {
		ids := make([]string, 0, len(failed))
		for id := range failed {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t.Logf("FAIL %s: %s", id, oneLine(failed[id]))
		}
	}
}

func suiteByName(name string) *suite {
	for _, s := range suites() {
		if s.name == name {
			return s
		}
	}
	panic("no suite " + name)
}

func runSuite(t *testing.T, target, suite string, opts *Options) *Report {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	opts.Suites = []string{suite}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	rep, err := Run(context.Background(), target, opts)
	if err != nil {
		t.Fatalf("Run(%s): %v", target, err)
	}
	return rep
}

// TestBrokenSemantics runs the semantics suite against two handlers that
// get conditional requests and ranges wrong in opposite ways.
func TestBrokenSemantics(t *testing.T) {
	t.Parallel()
	const body = "0123456789abcdef"
	headers := func(w http.ResponseWriter) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Header().Set("Accept-Ranges", "bytes")
	}
	// ignoring answers 200 to everything, with an unquoted ETag on HEAD and
	// a malformed Date.
	ignoring := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		w.Header()["Date"] = []string{"yesterday"}
		if r.Method == "HEAD" {
			w.Header().Set("ETag", "v1")
		}
		w.Write([]byte(body))
	}))
	defer ignoring.Close()
	// eager says "not modified" and "precondition failed" to every
	// condition and answers every Range with the wrong bytes.
	eager := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		w.Header().Set("ETag", "v1")
		switch {
		case r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "":
			w.WriteHeader(304)
		case r.Header.Get("If-Match") != "":
			w.WriteHeader(412)
		case r.Header.Get("Range") != "":
			w.Header().Set("Content-Range", "bytes 0-1/16")
			w.WriteHeader(206)
			w.Write([]byte("xx"))
		default:
			w.Write([]byte(body))
		}
	}))
	defer eager.Close()
	requireEachFails(t, "semantics", nil,
		runSuite(t, ignoring.URL+"/f", "semantics", nil),
		runSuite(t, eager.URL+"/f", "semantics", nil))
}

// TestBrokenAltSvc advertises HTTP/3 where there is none, in a malformed
// header, and only over HTTP/1.1.
func TestBrokenAltSvc(t *testing.T) {
	t.Parallel()
	serve := func(altSvc func(r *http.Request) string) *httptest.Server {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := altSvc(r); v != "" {
				w.Header().Set("Alt-Svc", v)
			}
			w.Write([]byte("hello"))
		}))
		s.EnableHTTP2 = true
		s.StartTLS()
		t.Cleanup(s.Close)
		return s
	}
	garbage := serve(func(*http.Request) string { return `h3=garbage` })
	h1only := serve(func(r *http.Request) string {
		if r.ProtoMajor == 1 {
			return `h3=":1"; ma=60` // nothing listens on UDP port 1
		}
		return ""
	})
	opts := func(s *httptest.Server) *Options {
		return &Options{RootCAs: s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	requireEachFails(t, "altsvc", nil,
		runSuite(t, garbage.URL+"/", "altsvc", opts(garbage)),
		runSuite(t, h1only.URL+"/", "altsvc", opts(h1only)))
}
