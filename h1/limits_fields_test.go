package h1_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/triotest"
)

// TestMaxHeaderFieldsEarly: trio's engine answers 431 at field line
// MaxHeaderFields+1, while the rest of the head has not arrived.
func TestMaxHeaderFieldsEarly(t *testing.T) {
	for _, m := range trioModes() {
		t.Run(string(m), func(t *testing.T) {
			var h hits
			ts := triotest.New(t, m, echo, h.hook, func(s *trio.Server) { s.H1.ReadHeaderTimeout = 10 * time.Second })
			c, br := rawTLS(t, ts)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n"+strings.Repeat("a: b\r\n", h1.DefaultMaxHeaderFields))
			t0 := time.Now()
			resp, _ := readResponse(t, br, "GET")
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !resp.Close {
				t.Errorf("status = %d, close %v; want 431 and a close", resp.StatusCode, resp.Close)
			}
			if d := time.Since(t0); d > 5*time.Second {
				t.Errorf("answered after %v; want at once, not at the end of the head", d)
			}
			if got := h.Get(h1.LimitHeaderFields); got != 1 {
				t.Errorf("LimitHit(%q) called %d times; want 1", h1.LimitHeaderFields, got)
			}
		})
	}
}
