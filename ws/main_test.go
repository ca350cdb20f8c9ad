package ws_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
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
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "ws: goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines waits up to d for goroutines running this module's
// code to end, and returns the stacks of those that remain.
func leakedGoroutines(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var bad []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "triohttp/trio") && !strings.Contains(g, "TestMain") && !strings.Contains(g, "leakedGoroutines") {
				bad = append(bad, g)
			}
		}
		if len(bad) == 0 || time.Now().After(deadline) {
			return strings.Join(bad, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
