package config_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/triotest/loadtest"
)

const limitsTable = `
[limits]
max_conns        = 5000
max_conns_per_ip = -1
max_handshakes   = 64
fd_reserve       = 256
quic_retry_handshakes        = 64
quic_retry_handshakes_per_ip = -1
max_header_fields  = 50
max_body_bytes     = 1048576
body_timeout       = "30s"
header_timeout     = "5s"
h2_preface_timeout = "-1s"
memory_return_seconds = -1
max_streams        = 100
`

// [limits] reaches trio.Server.Limits, and a reload that changes it is
// refused while the old limits keep serving.
func TestLimitsTable(t *testing.T) {
	file, _ := reloadDir(t)
	if err := os.WriteFile(file, []byte(loadtest.ConfigBefore+limitsTable), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var srv *trio.Server
	r, err := config.Start(context.Background(), c, slog.New(slog.DiscardHandler), func(s *trio.Server) { srv = s })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	want := trio.Limits{MaxConns: 5000, MaxConnsPerIP: -1, MaxHandshakes: 64, FDReserve: 256, MemoryReturnInterval: -time.Second}
	if srv.Limits != want {
		t.Errorf("Server.Limits = %+v; want %+v", srv.Limits, want)
	}
	if h := srv.H3.Limits; h.RetryHandshakes != 64 || h.RetryHandshakesPerIP != -1 {
		t.Errorf("H3.Limits Retry thresholds = %d, %d; want 64, -1", h.RetryHandshakes, h.RetryHandshakesPerIP)
	}

	if srv.H1.MaxHeaderFields != 50 || srv.H2.MaxHeaderFields != 50 || srv.H3.MaxHeaderFields != 50 {
		t.Errorf("MaxHeaderFields h1/h2/h3 = %d/%d/%d; want 50", srv.H1.MaxHeaderFields, srv.H2.MaxHeaderFields, srv.H3.MaxHeaderFields)
	}
	if srv.H1.MaxBodyBytes != 1<<20 || srv.H2.MaxBodyBytes != 1<<20 || srv.H3.MaxBodyBytes != 1<<20 {
		t.Errorf("MaxBodyBytes h1/h2/h3 = %d/%d/%d; want 1 MiB", srv.H1.MaxBodyBytes, srv.H2.MaxBodyBytes, srv.H3.MaxBodyBytes)
	}
	if srv.H1.BodyTimeout != 30*time.Second || srv.H2.BodyTimeout != 30*time.Second || srv.H3.BodyTimeout != 30*time.Second {
		t.Errorf("BodyTimeout h1/h2/h3 = %v/%v/%v; want 30s", srv.H1.BodyTimeout, srv.H2.BodyTimeout, srv.H3.BodyTimeout)
	}
	if srv.H1.ReadHeaderTimeout != 5*time.Second || srv.H2.PrefaceTimeout != -time.Second {
		t.Errorf("ReadHeaderTimeout, PrefaceTimeout = %v, %v; want 5s, -1s", srv.H1.ReadHeaderTimeout, srv.H2.PrefaceTimeout)
	}
	if srv.H2.MaxConcurrentStreams != 100 || srv.H3.MaxIncomingStreams != 100 {
		t.Errorf("streams h2/h3 = %d/%d; want 100", srv.H2.MaxConcurrentStreams, srv.H3.MaxIncomingStreams)
	}
	changed := strings.Replace(limitsTable, "max_handshakes   = 64", "max_handshakes   = 65", 1)
	os.WriteFile(file, []byte(loadtest.ConfigBefore+changed), 0o644)
	err = r.Reload()
	if err == nil || !strings.Contains(err.Error(), "trio.toml: limits: cannot change while serving") {
		t.Fatalf("Reload changing [limits]: err = %v; want it refused", err)
	}
	if got := r.Config().Limits.MaxHandshakes; got != 64 {
		t.Errorf("after the refused reload max_handshakes = %d; want 64", got)
	}
	// The same limits with another change: accepted.
	os.WriteFile(file, []byte(strings.Replace(loadtest.ConfigBefore, `"site-a"`, `"site-a2"`, 1)+limitsTable), 0o644)
	if err := r.Reload(); err != nil {
		t.Errorf("Reload keeping [limits]: %v", err)
	}
}
