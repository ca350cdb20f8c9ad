// Package testtool finds the external programs tests talk to. Those that
// trio's go.mod declares as tools (h2spec, pebble, pebble-challtestsrv) are
// built with `go tool`, so they need nothing installed by hand. The others
// come from Debian (curl, chromium, h2load, ...): a missing one skips the
// test locally, and the package's TestMain prints one line naming what was
// skipped and the command that installs it (see [Summary]); in CI
// (CI=true), where .ci/run installs them all, a missing one fails the test.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/gotool"
)

// goTools are the programs go.mod declares with tool directives.
var goTools = map[string]bool{"h2spec": true, "pebble": true, "pebble-challtestsrv": true}

// Path returns the path of the program the test needs: for a go.mod tool,
// the binary `go tool` builds; otherwise, or if that build fails, the
// first of names found on PATH or in $(go env GOPATH)/bin (where `go
// install` puts tools). When none is there it skips the test, or fails it
// under CI=true.
func Path(t testing.TB, names ...string) string {
	t.Helper()
	install := AptInstall(names[0])
	for _, name := range names {
		if goTools[name] {
			p, err := gotool.Path(name)
			if err == nil {
				return p
			}
			install = err.Error()
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if p := filepath.Join(gopathBin(), name); isExecutable(p) {
			return p
		}
	}
	Missing(t, names[0], install)
	return ""
}

// Missing skips the test because what is not installed, or fails it when
// CI=true, and adds what and the command that installs it to the
// package's summary line.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install it (%s)", what, install)
	}
	record(what, install)
	t.Skipf("%s is not installed (%s)", what, install)
}

// debianPackages maps a program to the Debian package that has it, where
// the names differ.
var debianPackages = map[string]string{
	"nghttp":                 "nghttp2-client",
	"h2load":                 "nghttp2-client",
	"node":                   "nodejs",
	"promtool":               "prometheus",
	"systemd-analyze":        "systemd",
	"update-ca-certificates": "ca-certificates",
	"chromium-browser":       "chromium",
	"google-chrome":          "chromium",
}

// AptInstall returns the command that installs program from Debian.
func AptInstall(program string) string {
	return "sudo apt-get install " + aptPackage(program)
}

func aptPackage(program string) string {
	if p, ok := debianPackages[program]; ok {
		return p
	}
	return program
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

// aptCommand joins installs of the form "sudo apt-get install PKG" into
// one command; others are kept as they are.
func aptCommand(installs []string) []string {
	var pkgs, other []string
	for _, in := range installs {
		if p, ok := strings.CutPrefix(in, "sudo apt-get install "); ok {
			pkgs = appendNew(pkgs, strings.Fields(p)...)
		} else {
			other = appendNew(other, in)
		}
	}
	if len(pkgs) > 0 {
		other = append([]string{"sudo apt-get install " + strings.Join(pkgs, " ")}, other...)
	}
	return other
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
