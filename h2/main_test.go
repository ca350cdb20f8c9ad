package h2

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

// isLeak picks goroutines of this package or of the HTTP/2 client that
// outlive the tests.
func isLeak(g string) bool {
	if strings.Contains(g, "testing.(*M).Run") {
		return false
	}
	return strings.Contains(g, "triohttp/trio/h2") || strings.Contains(g, "net/http")
}
