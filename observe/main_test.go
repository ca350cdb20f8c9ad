package observe_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if goroutines outlive the tests: an access log's
// writer that Close did not stop, a server or client left running.
func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

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
	} {
		if strings.Contains(stack, s) {
			return false
		}
	}
	return true
}
