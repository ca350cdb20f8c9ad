package h2

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkLeakedGoroutines(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkLeakedGoroutines fails when goroutines of this package or of the
// HTTP/2 client outlive the tests by more than a few seconds.
func checkLeakedGoroutines() error {
	var leaked []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		leaked = leaked[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "testing.(*M).Run") || strings.Contains(g, "runtime.goexit") && !strings.Contains(g, "triohttp/trio/h2") && !strings.Contains(g, "net/http") {
				continue
			}
			if strings.Contains(g, "checkLeakedGoroutines") {
				continue
			}
			if strings.Contains(g, "triohttp/trio/h2") || strings.Contains(g, "net/http") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
	}
	return fmt.Errorf("leaked goroutines:\n%s", strings.Join(leaked, "\n\n"))
}
