package triotest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/triohttp/trio/triotest"
)

// TestRun serves a handler in every mode and checks that each client
// reached it over its own protocol, TLS or not.
func TestRun(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tls := "cleartext"
		if r.TLS != nil {
			tls = "tls"
		}
		io.WriteString(w, r.Proto+" "+tls)
	})
	seen := map[triotest.Mode]bool{}
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		seen[m] = true
		ts := triotest.New(t, m, h)
		want := m.Proto() + " cleartext"
		if m.TLS() {
			want = m.Proto() + " tls"
		}
		if got := ts.Get(t, "/"); got != want {
			t.Errorf("GET / in mode %s = %q; want %q", m, got, want)
		}
	})
	if len(seen) != 8 {
		t.Errorf("Run ran %d distinct modes; want 8 (h1, h2, h2c, h3 on each engine)", len(seen))
	}
}

// TestModeEngines: every protocol runs on both of its engines.
func TestModeEngines(t *testing.T) {
	engines := map[triotest.Mode]map[string]bool{}
	for _, m := range triotest.Modes {
		b := m.Base()
		if engines[b] == nil {
			engines[b] = map[string]bool{}
		}
		switch b {
		case triotest.H1:
			engines[b][string(m.H1Engine())] = true
		case triotest.H2, triotest.H2C:
			engines[b][string(m.Engine())] = true
		case triotest.H3:
			engines[b][string(m.H3Engine())] = true
		}
	}
	for _, b := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H2C, triotest.H3} {
		if len(engines[b]) != 2 {
			t.Errorf("mode %s runs on engines %v; want the default (\"\") and the other", b, engines[b])
		}
	}
}
