// Package testtool finds the external programs tests talk to (curl,
// chromium, h2load, ...): a missing one skips the test locally and fails it
// in CI (CI=true), where .ci/run installs them all.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Path returns the first of names found on PATH or in $(go env GOPATH)/bin
// (where `go install` puts tools).
func Path(t testing.TB, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if p := filepath.Join(gopathBin(), name); isExecutable(p) {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install it", strings.Join(names, " or "))
	}
	t.Skipf("%s is not installed", strings.Join(names, " or "))
	return ""
}

func gopathBin() string {
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "bin")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "bin")
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}
