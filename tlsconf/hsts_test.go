package tlsconf_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
)

// TestHSTS checks the header in every mode: set over TLS (h1, h2, h3),
// absent in cleartext (h2c).
func TestHSTS(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		ts := triotest.New(t, m, tlsconf.HSTS(ok, 365*24*time.Hour), func(*trio.Server) {})
		resp, err := ts.Client.Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "max-age=31536000"
		if strings.HasPrefix(ts.URL, "http://") { // h2c modes
			want = ""
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("Strict-Transport-Security = %q; want %q", got, want)
		}
	})
	rec := httptest.NewRecorder()
	tlsconf.HSTS(ok, time.Hour).ServeHTTP(rec, httptest.NewRequest("GET", "http://x/", nil))
	if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
		t.Errorf("cleartext request got %q", got)
	}
}
