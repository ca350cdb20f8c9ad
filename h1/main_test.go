package h1_test

import (
	"os"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain fails the run if goroutines of trio or net/http outlive the
// tests: connection and handler workers of the engine included.
func TestMain(m *testing.M) { os.Exit(testtool.Main(m, isLeak)) }

func isLeak(g string) bool {
	if strings.Contains(g, "testing.(*M).Run") {
		return false
	}
	return strings.Contains(g, "triohttp/trio") || strings.Contains(g, "net/http")
}
