package demo_test

import (
	"fmt"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/internal/testserver"
)

var pageProto = regexp.MustCompile(`<span id="page-proto" class="[^"]*">([^<]*)</span>`)

// A real browser loads the demo page over each protocol and the page reports
// the protocol the browser used.
func TestBrowser(t *testing.T) {
	browser.Path(t)
	ts := testserver.New(t, testserver.H2, demo.Handler(), func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"h1", []string{"--disable-http2"}, "http/1.1"},
		{"h2", nil, "h2"},
		{"h3", []string{"--origin-to-force-quic-on=" + origin, browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost")}, "h3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dom := browser.DumpDOM(t, "https://"+origin+"/", 5*time.Second, tt.flags...)
			m := pageProto.FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("no page-proto in the DOM:\n%.2000s", dom)
			}
			if m[1] != tt.want {
				t.Errorf("page came over %q; want %q", m[1], tt.want)
			}
			if want := `"proto"`; !regexp.MustCompile(`<dt>proto</dt><dd>HTTP/`).MatchString(dom) {
				t.Errorf("the server's view (%s from /api/whoami) is missing from the page", want)
			}
		})
	}
}
