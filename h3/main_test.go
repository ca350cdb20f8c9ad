package h3_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

// isLeak picks goroutines of this package's engine or of quic-go that
// outlive the tests.
func isLeak(g string) bool {
	if strings.Contains(g, "testing.(*M).Run") {
		return false
	}
	return strings.Contains(g, "triohttp/trio/h3.") || strings.Contains(g, "quic-go/quic-go")
}
