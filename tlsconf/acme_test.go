package tlsconf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/pebble"
)

// TestACMEChallenges obtains a certificate from Pebble by each challenge,
// through trio's own listeners, and serves it over HTTP/1.1, HTTP/2 and
// HTTP/3 to clients verifying it against Pebble's root.
func TestACMEChallenges(t *testing.T) {
	tests := []struct {
		challenge string
		cleartext bool // http-01 needs the cleartext listener; tls-alpn-01 runs without one
	}{
		{"http-01", true},
		{"tls-alpn-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.challenge, func(t *testing.T) {
			t.Parallel()
			s := listen(t, tt.cleartext)
			pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort(), TLSPort: s.tlsPort()})
			a := newACME(t, pb, s, "")
			name := tt.challenge + ".trio-test.example" // certmagic keeps challenges per name, process-wide
			a.Domains = []string{name}
			a.DisableTLSALPNChallenge = tt.cleartext
			var log *syncBuffer
			a.Logger, log = testLogger(t)
			s.serve(t, a)
			start := time.Now()
			waitACME(t, a)
			t.Logf("obtained by %s in %v", tt.challenge, time.Since(start).Round(time.Millisecond))
			// The challenge was answered by trio's listener, not by a
			// listener of certmagic's own.
			for _, want := range []string{"challenge_type=" + tt.challenge, "served key authentication"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log lacks %q", want)
				}
			}
			roots := pb.Root(t)
			for _, proto := range protos {
				c, url := newClient(t, s, proto, name, roots)
				leaf, err := get(c, url, proto)
				if err != nil {
					t.Fatalf("%s: %v", proto, err)
				}
				if err := leaf.VerifyHostname(name); err != nil {
					t.Errorf("%s: %v", proto, err)
				}
			}
		})
	}
}
