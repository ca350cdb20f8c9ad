package hub_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if goroutines of the hub outlive the tests.
func TestMain(m *testing.M) {
	os.Exit(testtool.Main(m, func(g string) bool {
		return strings.Contains(g, "triohttp/trio") && !strings.Contains(g, "TestMain")
	}))
}
