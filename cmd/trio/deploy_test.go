package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// deploy/trio.service starts trio with flags trio accepts, binds low ports
// without root, reloads with SIGHUP, and passes systemd-analyze verify
// where systemd is installed.
func TestDeployUnit(t *testing.T) {
	b, err := os.ReadFile("../../deploy/trio.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"User=trio", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
		"ExecReload=/bin/kill -HUP $MAINPID", "RuntimeDirectory=trio", "NoNewPrivileges=true",
		"ProtectSystem=strict", "ReadWritePaths=/var/lib/trio /var/log/trio", "PIDFile=/run/trio/trio.pid",
	} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("trio.service lacks %s", want)
		}
	}
	var argv []string
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			argv = strings.Fields(v)
		}
	}
	if len(argv) < 2 || argv[0] != "/usr/local/bin/trio" || argv[1] != "serve" {
		t.Fatalf("ExecStart = %q; want /usr/local/bin/trio serve ...", argv)
	}
	f, err := parseServe(argv[2:], io.Discard)
	if err != nil || f.config != "/etc/trio/trio.toml" || f.pidFile != "/run/trio/trio.pid" {
		t.Errorf("trio serve %q: %v; want --config /etc/trio/trio.toml --pid-file /run/trio/trio.pid accepted", argv[2:], err)
	}

	sysctl, err := os.ReadFile("../../deploy/99-trio-udp.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"net.core.rmem_max = 7500000", "net.core.wmem_max = 7500000"} {
		if !strings.Contains(string(sysctl), want) {
			t.Errorf("99-trio-udp.conf lacks %q", want)
		}
	}

	analyze := testtool.Path(t, "systemd-analyze") // fails, not skips, in CI
	// verify wants the binary to exist: this test's executable stands in.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyUnit := filepath.Join(t.TempDir(), "trio.service")
	os.WriteFile(copyUnit, []byte(strings.ReplaceAll(unit, "/usr/local/bin/trio", self)), 0o644)
	if out, err := exec.Command(analyze, "verify", copyUnit).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
