package proxy

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestMain re-runs the test binary with GODEBUG=http2xconnect=1, which Go's
// HTTP/2 server reads once at start, so WebSockets over extended CONNECT
// run on Go's engine too (as in package ws); then it fails on goroutines
// left running: trio's own, and upstream connections (net/http's
// persistConn, HTTP/2 client connections, quic-go's) that a test did not
// close.
func TestMain(m *testing.M) {
	if !strings.Contains(os.Getenv("GODEBUG"), "http2xconnect=1") && os.Getenv("PROXY_TEST_NO_REEXEC") == "" {
		if exe, err := os.Executable(); err == nil {
			env := []string{"GODEBUG=" + strings.TrimPrefix(os.Getenv("GODEBUG")+",http2xconnect=1", ","), "PROXY_TEST_NO_REEXEC=1"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GODEBUG=") {
					env = append(env, kv)
				}
			}
			err = syscall.Exec(exe, os.Args, env)
			fmt.Fprintf(os.Stderr, "proxy: re-running with GODEBUG=http2xconnect=1: %v\n", err)
		}
	}
	os.Exit(testtool.Main(m, func(g string) bool {
		if strings.Contains(g, "TestMain") {
			return false
		}
		return strings.Contains(g, "triohttp/trio") || strings.Contains(g, "net/http.(*persistConn)") ||
			strings.Contains(g, "ClientConn).readLoop") || strings.Contains(g, "quic-go/quic-go.(*Conn).run")
	}))
}
