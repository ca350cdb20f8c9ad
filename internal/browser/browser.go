// Package browser runs headless Chromium against loopback servers in tests.
package browser

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
)

// Path returns the Chromium binary, skipping the test when it is missing
// locally and failing it in CI, where .ci/run installs it.
func Path(t testing.TB) string {
	t.Helper()
	return testtool.Path(t, "chromium", "chromium-browser", "google-chrome")
}

// flags start Chromium headless, quiet and isolated; loopback needs no
// sandbox and the closed network needs no background traffic.
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--ignore-certificate-errors",
}

// DumpDOM loads url, lets its scripts run for up to budget of virtual time,
// and returns the serialized DOM. extra flags go before the URL.
func DumpDOM(t testing.TB, url string, budget time.Duration, extra ...string) string {
	t.Helper()
	bin := Path(t)
	for attempt := 1; ; attempt++ {
		out, err := dumpDOM(bin, url, t.TempDir(), budget, extra)
		if err == nil {
			return string(out)
		}
		var stderr []byte
		ee, ok := err.(*exec.ExitError)
		if ok {
			stderr = ee.Stderr
		}
		// Chromium itself sometimes crashes on a loaded machine (a
		// segmentation fault before the page loads): a crash is retried
		// with a fresh profile, twice at most; a plain failure is not.
		if ok && crashed(ee) && attempt < 3 {
			t.Logf("chromium %s crashed (%v); starting it again", url, err)
			continue
		}
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr)
	}
}

func dumpDOM(bin, url, profile string, budget time.Duration, extra []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{}, flags...)
	args = append(args, "--user-data-dir="+profile, "--dump-dom",
		"--virtual-time-budget="+strconv.FormatInt(budget.Milliseconds(), 10))
	args = append(args, extra...)
	args = append(args, url)
	return exec.CommandContext(ctx, bin, args...).Output()
}

// crashed reports whether the process was killed by a signal it did not
// ask for: SIGSEGV, SIGBUS, SIGABRT, SIGILL or SIGTRAP.
func crashed(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false
	}
	switch ws.Signal() {
	case syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGABRT, syscall.SIGILL, syscall.SIGTRAP:
		return true
	}
	return false
}

// SPKIFlag returns the Chromium flag that accepts the certificate served at
// addr for serverName, by the SHA-256 of its public key. QUIC ignores
// --ignore-certificate-errors but honours this list.
func SPKIFlag(t testing.TB, addr, serverName string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: serverName, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("browser: fetching the certificate of %s: %v", addr, err)
	}
	defer c.Close()
	leaf := c.ConnectionState().PeerCertificates[0]
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return "--ignore-certificate-errors-spki-list=" + base64.StdEncoding.EncodeToString(sum[:])
}
