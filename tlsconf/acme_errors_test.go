package tlsconf_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/tlsconf"
)

// TestACMELoadErrors checks that each configuration mistake is one line
// naming the field or file at fault.
func TestACMELoadErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "root.txt")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name   string
		modify func(a *tlsconf.ACME)
		want   string
	}{
		{"not agreed", func(a *tlsconf.ACME) { a.Agreed = false },
			"tlsconf: acme: Agreed is false: the CA's terms of service must be accepted"},
		{"wildcard", func(a *tlsconf.ACME) { a.Domains = []string{"*.example.com"} },
			`tlsconf: acme: domain "*.example.com": wildcards need the dns-01 challenge, which trio does not support`},
		{"bad name", func(a *tlsconf.ACME) { a.Domains = []string{"exa mple.com"} },
			`tlsconf: acme: domain "exa mple.com" is not a valid host name`},
		{"CA not https", func(a *tlsconf.ACME) { a.CA = "http://ca.example/dir" },
			`tlsconf: acme: CA "http://ca.example/dir" is not an https URL`},
		{"CA root missing", func(a *tlsconf.ACME) { a.CARoot = missing },
			`tlsconf: CA root file "` + missing + `": no such file`},
		{"CA root not PEM", func(a *tlsconf.ACME) { a.CARoot = notPEM },
			`tlsconf: CA root file "` + notPEM + `": not PEM`},
		{"ask not a URL", func(a *tlsconf.ACME) { a.OnDemand = &tlsconf.OnDemand{Ask: "localhost:9"} },
			`tlsconf: acme: on-demand ask URL "localhost:9" is not an http or https URL`},
		{"no challenge", func(a *tlsconf.ACME) { a.DisableHTTPChallenge, a.DisableTLSALPNChallenge = true, true },
			"tlsconf: acme: both the http-01 and tls-alpn-01 challenges are turned off"},
	}
	for _, tt := range tests {
		a := &tlsconf.ACME{Domains: []string{"example.com"}, Agreed: true, Storage: &certmagic.FileStorage{Path: dir}}
		tt.modify(a)
		err := a.Load()
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Load = %v\nwant %s", tt.name, err, tt.want)
		}
		a.Close()
	}
}

// TestACMEObtainErrors checks that a CA that cannot be reached and a name
// the CA refuses are reported by Wait, one line per name naming the name
// and the reason, while the other names are served.
func TestACMEObtainErrors(t *testing.T) {
	t.Parallel()
	const good, blocked = "good.trio-test.example", "blocked-domain.example" // blocked in Pebble's config
	s := listen(t, true)
	pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort()})

	t.Run("refused name", func(t *testing.T) {
		a := newACME(t, pb, s, "")
		a.Domains = []string{good, blocked}
		a.DisableTLSALPNChallenge = true
		s.serve(t, a)
		err := waitErr(t, a)
		checkOneLine(t, err, `tlsconf: acme: "blocked-domain.example": obtaining certificate:`, "rejectedIdentifier")
		roots := pb.Root(t)
		c, url := newClient(t, s, "h2", good, roots)
		if _, err := get(c, url, "h2"); err != nil {
			t.Errorf("%s not served: %v", good, err)
		}
		_, err = tls.Dial("tcp", s.ls.TLS[0].Addr().String(), &tls.Config{RootCAs: roots, ServerName: blocked})
		if err == nil {
			t.Errorf("handshake for %s succeeded", blocked)
		}
	})

	t.Run("unreachable CA", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		closed := l.Addr().String()
		l.Close()
		a := newACME(t, pb, s, "")
		a.CA = "https://" + closed + "/dir"
		a.Domains = []string{"unreachable.trio-test.example"}
		err := waitErr(t, a)
		checkOneLine(t, err, `tlsconf: acme: "unreachable.trio-test.example": obtaining certificate:`, "connection refused")
	})
}

// waitErr loads a and returns Wait's error, failing if there is none.
func waitErr(t *testing.T, a *tlsconf.ACME) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := a.Wait(ctx)
	if err == nil {
		t.Fatal("Wait = nil; want an error")
	}
	t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
	return err
}

// checkOneLine checks that err is one line with prefix and containing want.
func checkOneLine(t *testing.T, err error, prefix, want string) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error has several lines: %q", msg)
	}
	if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) {
		t.Errorf("error = %q\nwant prefix %q and %q", msg, prefix, want)
	}
}

func TestACMEClosed(t *testing.T) {
	a := &tlsconf.ACME{}
	a.Close()
	if err := a.Load(); err != tlsconf.ErrACMEClosed {
		t.Errorf("Load after Close = %v; want ErrACMEClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}
