package triotest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

// isLeak picks goroutines of trio or of Go's and quic-go's HTTP clients
// that outlive the tests: New's t.Cleanup must have stopped them all.
func isLeak(g string) bool {
	if strings.Contains(g, "testing.(*M).Run") {
		return false
	}
	return strings.Contains(g, "triohttp/trio") || strings.Contains(g, "net/http") || strings.Contains(g, "quic-go")
}
