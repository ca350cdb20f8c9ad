package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/browser"
)

// The Chrome command line the banner prints really brings the page over
// HTTP/3, without trusting the local CA.
func TestBannerChromeCommand(t *testing.T) {
	browser.Path(t)
	banner, _ := started(t, "serve", "--listen", "localhost:0", "--http", "")
	m := regexp.MustCompile(`(?m)^\s+chromium (.*) (https://\S+)$`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("banner has no chromium command line:\n%s", banner)
	}
	dom := browser.DumpDOM(t, m[2], 5*time.Second, strings.Fields(m[1])...)
	if !strings.Contains(dom, `<span id="page-proto" class="proto h3">h3</span>`) {
		t.Errorf("the banner's command did not load the page over h3; DOM:\n%.1500s", dom)
	}
}
