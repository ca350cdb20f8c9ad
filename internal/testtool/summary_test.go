package testtool

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// resetSkipped empties the summary when the test ends, so that this
// package's own run prints none.
func resetSkipped(t *testing.T) {
	t.Cleanup(func() {
		skipped.Lock()
		defer skipped.Unlock()
		skipped.tests, skipped.what, skipped.installs = 0, nil, nil
	})
}

// TestSummary skips three tests for two Debian programs and one other
// tool, and reads the one line that names them with one apt command.
func TestSummary(t *testing.T) {
	t.Setenv("CI", "")
	resetSkipped(t)
	if s := Summary(); s != "" {
		t.Fatalf("Summary before any skip = %q; want \"\"", s)
	}
	t.Run("nghttp", func(t *testing.T) { Path(t, "trio-test-nghttp-absent"); t.Error("Path returned") })
	t.Run("h2load", func(t *testing.T) { Missing(t, "h2load", AptInstall("h2load")); t.Error("Missing returned") })
	t.Run("nghttp2", func(t *testing.T) { Missing(t, "nghttp", AptInstall("nghttp")) })
	t.Run("puppeteer", func(t *testing.T) { Missing(t, "puppeteer-core", "cd lab/testdata/puppeteer && npm ci") })
	want := "go test ./internal/testtool: 4 tests skipped for missing tools: trio-test-nghttp-absent, h2load, nghttp, puppeteer-core" +
		" — sudo apt-get install trio-test-nghttp-absent nghttp2-client; cd lab/testdata/puppeteer && npm ci"
	if got := Summary(); got != want {
		t.Errorf("Summary =\n%s\nwant\n%s", got, want)
	}
}

// TestMissingFailsInCI runs Missing under CI=true in a child test binary
// and checks that the test failed rather than skipped.
func TestMissingFailsInCI(t *testing.T) {
	if os.Getenv("TESTTOOL_CHILD") == "1" {
		Missing(t, "curl", AptInstall("curl"))
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestMissingFailsInCI$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTTOOL_CHILD=1", "CI=true")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child passed under CI=true:\n%s", out)
	}
	if !strings.Contains(string(out), "curl is not installed; .ci/run must install it (sudo apt-get install curl)") {
		t.Errorf("child output lacks the failure:\n%s", out)
	}
	if strings.Contains(string(out), "skipped for missing tools") {
		t.Errorf("child printed a skip summary under CI=true:\n%s", out)
	}
}

func TestAptInstall(t *testing.T) {
	for program, want := range map[string]string{
		"curl":             "sudo apt-get install curl",
		"h2load":           "sudo apt-get install nghttp2-client",
		"node":             "sudo apt-get install nodejs",
		"systemd-analyze":  "sudo apt-get install systemd",
		"chromium-browser": "sudo apt-get install chromium",
		"promtool":         "sudo apt-get install prometheus",
	} {
		if got := AptInstall(program); got != want {
			t.Errorf("AptInstall(%q) = %q; want %q", program, got, want)
		}
	}
}
