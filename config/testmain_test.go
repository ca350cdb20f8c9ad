package config

import (
	"os"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain prints one line naming the tools whose absence skipped tests
// (and the command that installs them); under CI=true they fail instead.
func TestMain(m *testing.M) { os.Exit(testtool.Run(m)) }
