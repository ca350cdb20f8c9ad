package cluster

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if a NATS server, connection, subscription or
// presence refresher outlives the tests.
func TestMain(m *testing.M) {
	os.Exit(testtool.Main(m, func(stack string) bool {
		return strings.Contains(stack, "github.com/nats-io/") || strings.Contains(stack, "triohttp/trio/cluster")
	}))
}
