package config_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/internal/loadtest"
)

const limitsTable = `
[limits]
max_conns        = 5000
max_conns_per_ip = -1
max_handshakes   = 64
fd_reserve       = 256
quic_retry_handshakes        = 64
quic_retry_handshakes_per_ip = -1
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
	want := trio.Limits{MaxConns: 5000, MaxConnsPerIP: -1, MaxHandshakes: 64, FDReserve: 256}
	if srv.Limits != want {
		t.Errorf("Server.Limits = %+v; want %+v", srv.Limits, want)
	}
	if h := srv.H3.Limits; h.RetryHandshakes != 64 || h.RetryHandshakesPerIP != -1 {
		t.Errorf("H3.Limits Retry thresholds = %d, %d; want 64, -1", h.RetryHandshakes, h.RetryHandshakesPerIP)
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
