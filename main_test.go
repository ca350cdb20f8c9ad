package trio_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if goroutines outlive the tests (std's
// net/http main_test.go does the same).
func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

// isLeak counts every goroutine but the test machinery's.
func isLeak(stack string) bool {
	for _, s := range []string{
		"testing.(*M).",
		"testing.tRunner",
		"testing.runTests",
		"runtime.goexit}",
		"os/signal.signal_recv",
		"created by runtime.gc",
		"interestingGoroutines",
		"runtime.ensureSigM",
		"net/http/httptest.(*Server).goServe",
	} {
		if strings.Contains(stack, s) {
			return false
		}
	}
	return true
}
