package demo_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if a goroutine of the demo's handlers, of the
// hub or of a WebSocket outlives the tests.
func TestMain(m *testing.M) {
	os.Exit(testtool.Main(m, func(stack string) bool {
		for _, pkg := range []string{"trio/demo.", "trio/hub.", "trio/ws.", "trio/cluster."} {
			if strings.Contains(stack, pkg) {
				return true
			}
		}
		return false
	}))
}
