package tlsconf_test

import (
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/pebble"
)

// TestACMERenewal serves a 12-second certificate from Pebble and keeps
// requesting over HTTP/1.1, HTTP/2 and HTTP/3, each on one kept-alive
// connection and on a new connection per request, until new handshakes on
// every protocol see a renewed certificate. No request may fail.
//
// Renewal is real: certmagic's maintenance loop (RenewCheckInterval 1s)
// renews when Pebble's ARI window says so or, at the latest, when a third
// of the lifetime is left.
func TestACMERenewal(t *testing.T) {
	t.Parallel()
	const name = "renew.trio-test.example"
	s := listen(t, true)
	pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort(), Validity: 12 * time.Second})
	a := newACME(t, pb, s, "")
	a.Domains = []string{name}
	a.DisableTLSALPNChallenge = true
	a.RenewCheckInterval = time.Second
	s.serve(t, a)
	waitACME(t, a)
	roots := pb.Root(t)

	var wg sync.WaitGroup
	for _, proto := range protos {
		wg.Go(func() {
			kept, url := newClient(t, s, proto, name, roots)
			first, err := get(kept, url, proto)
			if err != nil {
				t.Errorf("%s: first request: %v", proto, err)
				return
			}
			deadline := time.Now().Add(20 * time.Second)
			for n := 0; ; n++ {
				if _, err := get(kept, url, proto); err != nil {
					t.Errorf("%s: request %d on the kept connection: %v", proto, n, err)
					return
				}
				fresh, url := newClient(t, s, proto, name, roots)
				leaf, err := get(fresh, url, proto)
				closeClient(fresh)
				if err != nil {
					t.Errorf("%s: request %d on a new connection: %v", proto, n, err)
					return
				}
				if !leaf.Equal(first) {
					t.Logf("%s: new handshake saw the renewed certificate (serial %x, was %x) after %d requests",
						proto, leaf.SerialNumber, first.SerialNumber, n+1)
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("%s: certificate not renewed after 20s (notAfter %v)", proto, first.NotAfter)
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if n := pb.Issued(); n < 2 {
		t.Errorf("Pebble issued %d certificates; want at least 2", n)
	}
}
