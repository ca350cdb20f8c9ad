package testtool

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var skipped struct {
	sync.Mutex
	tests    int
	what     []string // in the order first seen
	installs []string
}

func record(what, install string) {
	skipped.Lock()
	defer skipped.Unlock()
	skipped.tests++
	skipped.what = appendNew(skipped.what, what)
	skipped.installs = appendNew(skipped.installs, install)
}

// Summary returns the line naming the tools whose absence skipped tests in
// this process and the commands that install them, or "" when none did:
//
//	go test ./h2: 3 tests skipped for missing tools: curl, nghttp — sudo apt-get install curl nghttp2-client
func Summary() string {
	skipped.Lock()
	defer skipped.Unlock()
	if skipped.tests == 0 {
		return ""
	}
	tests := strconv.Itoa(skipped.tests) + " tests"
	if skipped.tests == 1 {
		tests = "1 test"
	}
	return fmt.Sprintf("go test %s: %s skipped for missing tools: %s — %s",
		packageDir(), tests, strings.Join(skipped.what, ", "), strings.Join(aptCommand(skipped.installs), "; "))
}

// Run runs the tests and prints the [Summary] line: the TestMain of a
// package that checks no goroutine leaks calls os.Exit(testtool.Run(m)).
func Run(m *testing.M) int {
	code := m.Run()
	PrintSummary(code == 0)
	return code
}

// PrintSummary prints the [Summary] line, if any, where the person running
// the tests sees it. go test shows a package's output only when it fails,
// runs verbose or tests the current directory alone; in `go test ./...`
// a passing package prints just its ok line, so there the summary goes to
// the go command's standard error, beside that line.
func PrintSummary(passed bool) {
	line := Summary()
	if line == "" {
		return
	}
	w := io.Writer(os.Stdout)
	if passed && !testing.Verbose() {
		if f := goCommandStderr(); f != nil {
			defer f.Close()
			w = f
		}
	}
	fmt.Fprintln(w, line)
}

// packageDir returns the test's directory relative to its module's root,
// as go test names it on its command line ("./h2"), or "." for the root.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}
