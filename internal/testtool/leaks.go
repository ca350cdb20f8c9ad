package testtool

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests, then fails the run if goroutines whose stacks
// isLeak picks are still running 5 seconds later (as std's net/http tests
// do), and prints the [Summary] line of tests skipped for missing tools.
// Call it from TestMain: os.Exit(testtool.Main(m, isLeak)).
func Main(m *testing.M, isLeak func(stack string) bool) int {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(5*time.Second, isLeak); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	PrintSummary(code == 0)
	return code
}

// Leaked waits up to d for the goroutines whose stacks isLeak picks to end,
// and returns the stacks of those that did not. This function's own
// goroutine is never a leak, nor is the test binary's main goroutine
// (testing.(*M).Run, under a TestMain of this module's).
func Leaked(d time.Duration, isLeak func(stack string) bool) []string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.TrimSpace(g) != "" && !strings.Contains(g, "testtool.Leaked") && !strings.Contains(g, "testing.(*M).Run") && isLeak(g) {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(50 * time.Millisecond)
	}
}
