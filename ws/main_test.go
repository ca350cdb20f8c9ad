package ws_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain re-runs the test binary with GODEBUG=http2xconnect=1, which Go's
// HTTP/2 server reads once at start, so the h2-std and h2c-std modes test
// extended CONNECT on Go's engine too; then it fails on goroutines left
// running in this package.
func TestMain(m *testing.M) {
	if !stdXConnect() && os.Getenv("WS_TEST_NO_REEXEC") == "" {
		if exe, err := os.Executable(); err == nil {
			// Replace GODEBUG rather than append a second one: the first of
			// duplicates wins, and the child would re-run itself forever.
			env := []string{"GODEBUG=" + strings.TrimPrefix(os.Getenv("GODEBUG")+",http2xconnect=1", ","), "WS_TEST_NO_REEXEC=1"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GODEBUG=") {
					env = append(env, kv)
				}
			}
			err = syscall.Exec(exe, os.Args, env)
			fmt.Fprintf(os.Stderr, "ws: re-running with GODEBUG=http2xconnect=1: %v\n", err)
		}
	}
	os.Exit(testtool.Main(m, func(g string) bool {
		return strings.Contains(g, "triohttp/trio") && !strings.Contains(g, "TestMain")
	}))
}
