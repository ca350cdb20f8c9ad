package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary be the -serve child of -mem and -ws, as
// the command is its own.
func TestMain(m *testing.M) {
	if slices.Contains(os.Args[1:], "-serve") {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var delivered = regexp.MustCompile(`delivered=(\d+) of (\d+) .* disorder=0 `)

// runBench runs the command with args and returns its stdout, failing t
// if it does not exit 0.
func runBench(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("run %q = %d; stderr:\n%s", args, code, stderr.String())
	}
	return stdout.String()
}

// TestFanout: every member gets every counted message, in order, in
// process and over WebSockets; the chart is written.
func TestFanout(t *testing.T) {
	modes := [][]string{{"-ws=false"}, {"-ws=true", "-client=ws"}, {"-ws=true", "-client=lean"}, {"-ws=true", "-client=" + defaultClient}}
	for _, mode := range modes {
		t.Run(strings.Join(mode, ","), func(t *testing.T) {
			svg := filepath.Join(t.TempDir(), "chart.svg")
			out := runBench(t, append(mode, "-broker=local", "-members=30", "-rate=20", "-warmup=200ms", "-duration=1s", "-svg="+svg)...)
			m := delivered.FindStringSubmatch(out)
			if m == nil || m[1] != m[2] || m[1] == "0" {
				t.Errorf("output %q; want delivered=N of N, N > 0, disorder=0", out)
			}
			b, err := os.ReadFile(svg)
			if err != nil || !bytes.HasPrefix(b, []byte("<svg")) || !bytes.Contains(b, []byte("<polyline")) {
				t.Errorf("chart %q: %v", b, err)
			}
		})
	}
}

// TestMemory: the -mem run reports each comparison.
func TestMemory(t *testing.T) {
	out := runBench(t, "-mem", "-members=20")
	for _, want := range []string{"ticker beyond plain", "member beyond plain", "member beyond chat", "chat beyond plain"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
}

func TestUsage(t *testing.T) {
	var stderr bytes.Buffer
	for _, args := range [][]string{{"-members=0"}, {"-ws", "-client=gorilla"}} {
		stderr.Reset()
		if code := run(t.Context(), args, new(bytes.Buffer), &stderr); code != 2 {
			t.Errorf("run %q = %d; want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}
