package h2

import (
	"github.com/triohttp/trio/internal/testtool"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNghttp fetches a page and its 4 MiB asset with nghttp2's client,
// over TLS and h2c.
func TestNghttp(t *testing.T) {
	testtool.Path(t, "nghttp")
	run(t, testNghttp, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testNghttp(t *testing.T, m mode) {
	big := strings.Repeat("n", 4<<20)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write([]byte(big))
			return
		}
		w.Write([]byte("<html><body>nghttp</body></html>"))
	}), nil)
	out, err := exec.Command("nghttp", "-ns", "--timeout=10", ts.url+"/", ts.url+"/big").CombinedOutput()
	if err != nil {
		t.Fatalf("nghttp: %v\n%s", err, out)
	}
	// -s prints one line per response: ...  status  size  path.
	for _, want := range []string{`200\s+\S+\s+/\s*$`, `200\s+4M\s+/big\s*$`} {
		if !regexp.MustCompile(`(?m)` + want).Match(out) {
			t.Errorf("nghttp output lacks %q:\n%s", want, out)
		}
	}
}

// TestH2load runs nghttp2's load generator: every request must succeed.
func TestH2load(t *testing.T) {
	testtool.Path(t, "h2load")
	run(t, testH2load, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testH2load(t *testing.T, m mode) {
	body := strings.Repeat("a", 1024)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(body))
	}), nil)
	out, err := exec.Command("h2load", "-n", "2000", "-c", "4", "-m", "16", ts.url+"/").CombinedOutput()
	if err != nil {
		t.Fatalf("h2load: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "2000 succeeded, 0 failed, 0 errored") {
		t.Errorf("h2load:\n%s", out)
	}
}
