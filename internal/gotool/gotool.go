// Package gotool finds the programs that trio's go.mod declares with tool
// directives (h2spec, pebble, pebble-challtestsrv): `go tool -n NAME`
// builds the version go.mod pins, once, into the build cache and prints
// its path. Tests and `trio check` use it, so a fresh machine with Go and
// the module proxy runs them with nothing installed by hand.
package gotool

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

var (
	mu    sync.Mutex
	paths = map[string]result{}
)

type result struct {
	path string
	err  error
}

// Path returns the path of the go.mod tool name, building it if needed.
// It runs `go tool -n name` in the current directory once per process per
// name and remembers the answer, error included. Outside trio's module, or
// without the go command, it fails.
func Path(name string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if r, ok := paths[name]; ok {
		return r.path, r.err
	}
	p, err := build(name)
	paths[name] = result{p, err}
	return p, err
}

func build(name string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go tool %s: %w", name, err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(goBin, "tool", "-n", name)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // go's last line says what failed
		}
		if msg == "" {
			return "", fmt.Errorf("go tool -n %s: %w", name, err)
		}
		return "", fmt.Errorf("go tool -n %s: %w: %s", name, err, msg)
	}
	p := strings.TrimSpace(string(out))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("go tool -n %s: %w", name, err)
	}
	return p, nil
}
