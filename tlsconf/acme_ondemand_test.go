package tlsconf_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/tlsconf"
)

// TestACMEOnDemand obtains certificates at the first handshake for names
// the allow-list or the ask URL allow, and refuses other names without
// placing an order with the CA.
func TestACMEOnDemand(t *testing.T) {
	t.Parallel()
	ask := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("domain") != "asked.trio-test.example" {
			http.Error(w, "no", http.StatusForbidden)
		}
	}))
	t.Cleanup(ask.Close)

	s := listen(t, true)
	pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort()})
	a := newACME(t, pb, s, "")
	a.DisableTLSALPNChallenge = true
	a.OnDemand = &tlsconf.OnDemand{Allow: []string{"*.allowed.trio-test.example"}, Ask: ask.URL}
	s.serve(t, a)
	roots := pb.Root(t)

	tests := []struct {
		name    string
		allowed bool
	}{
		{"www.allowed.trio-test.example", true},
		{"asked.trio-test.example", true},
		{"refused.trio-test.example", false},
		{"a.b.allowed.trio-test.example", false}, // * is one label
	}
	for _, tt := range tests {
		orders := pb.Orders()
		if tt.allowed {
			for _, proto := range protos { // the first handshake obtains; h3 uses the same certificate
				c, url := newClient(t, s, proto, tt.name, roots)
				if _, err := get(c, url, proto); err != nil {
					t.Errorf("%s over %s: %v", tt.name, proto, err)
				}
			}
			if got := pb.Orders() - orders; got != 1 {
				t.Errorf("%s: %d orders placed; want 1", tt.name, got)
			}
			continue
		}
		conn, err := tls.Dial("tcp", s.ls.TLS[0].Addr().String(), &tls.Config{RootCAs: roots, ServerName: tt.name})
		if err == nil {
			conn.Close()
			t.Errorf("%s: handshake succeeded; want it refused", tt.name)
		} else if !strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: handshake error %v; want an internal error alert", tt.name, err)
		}
		if got := pb.Orders() - orders; got != 0 {
			t.Errorf("%s: %d orders placed; want none", tt.name, got)
		}
	}
}

// TestOnDemandRateLimit refuses on-demand orders beyond the rate limit.
func TestOnDemandRateLimit(t *testing.T) {
	t.Parallel()
	s := listen(t, true)
	pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort()})
	a := newACME(t, pb, s, "")
	a.DisableTLSALPNChallenge = true
	a.OnDemand = &tlsconf.OnDemand{Allow: []string{"*.limit.trio-test.example"}, RateLimit: 1}
	s.serve(t, a)
	roots := pb.Root(t)
	addr := s.ls.TLS[0].Addr().String()
	for i, name := range []string{"a.limit.trio-test.example", "b.limit.trio-test.example"} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: name})
		if i == 0 && err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if i == 1 && err == nil {
			t.Errorf("%s: handshake succeeded beyond the rate limit", name)
		}
		if conn != nil {
			conn.Close()
		}
	}
	if n := pb.Orders(); n != 1 {
		t.Errorf("orders = %d; want 1", n)
	}
}
