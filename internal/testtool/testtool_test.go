package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathGoToolFallsBack declares a go.mod tool that `go tool` cannot
// build: Path then finds it on PATH, and without it skips naming go's
// error as what to fix.
func TestPathGoToolFallsBack(t *testing.T) {
	t.Setenv("CI", "")
	resetSkipped(t)
	const name = "trio-test-gotool-absent"
	goTools[name] = true
	t.Cleanup(func() { delete(goTools, name) })

	dir := t.TempDir()
	bin := filepath.Join(dir, name)
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if got := Path(t, name); got != bin {
		t.Errorf("Path(%s) = %q; want %q from PATH", name, got, bin)
	}

	os.Remove(bin)
	t.Run("absent", func(t *testing.T) { Path(t, name); t.Error("Path returned") })
	if s := Summary(); !strings.Contains(s, name+" — go tool -n "+name) || !strings.Contains(s, "no such tool") {
		t.Errorf("Summary = %q; want go's error for %s", s, name)
	}
}
