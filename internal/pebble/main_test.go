package pebble

import (
	"os"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain prints one line naming the tools whose absence skipped tests.
func TestMain(m *testing.M) { os.Exit(testtool.Run(m)) }
