package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/triotest/loadtest"
)

// siteConfig writes a config serving site-a (and the demo site on
// 127.0.0.1) on ports the OS picks, with an admin listener and an access
// log file, and returns its path.
func siteConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"site-a": "A before", "site-a2": "A after", "site-c": "C new"} {
		os.Mkdir(filepath.Join(dir, name), 0o755)
		os.WriteFile(filepath.Join(dir, name, "index.html"), []byte(body), 0o644)
	}
	file := filepath.Join(dir, "trio.toml")
	writeFile(t, file, loadtest.ConfigBefore)
	return file
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

var adminRE = regexp.MustCompile(`http://(\S+)\s+admin:`)

// trio serve --config writes its pid file, says where its admin listener
// is, and trio reload --admin reloads through it, reporting a broken file
// with its position; the pid file is gone after exit.
func TestServeConfigReloadCommand(t *testing.T) {
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	file := siteConfig(t)
	pidFile := filepath.Join(t.TempDir(), "run", "trio.pid")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testtool.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", file, "--pid-file", pidFile}, &out, &errOut) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case code := <-done:
			t.Fatalf("exit %d before serving: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 10s: %s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	banner := out.String()
	for _, want := range []string{"a.localhost", "site-a", "the demo site", "POST /reload", "trio reload --pid-file " + pidFile, "trust it with: trio trust"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if b, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file = %q, %v; want %d", b, err, os.Getpid())
	}
	m := adminRE.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("banner lacks the admin address:\n%s", banner)
	}
	admin := m[1]

	var rout, rerr bytes.Buffer
	if code := run(context.Background(), []string{"reload", "--admin", admin}, &rout, &rerr); code != exitOK || rout.String() != "trio: reloaded\n" {
		t.Errorf("trio reload --admin: exit %d, stdout %q, stderr %q; want 0 and \"trio: reloaded\"", code, rout.String(), rerr.String())
	}
	writeFile(t, file, loadtest.ConfigBroken)
	rout.Reset()
	rerr.Reset()
	code := run(context.Background(), []string{"reload", "--admin", admin}, &rout, &rerr)
	if code != exitError || !strings.Contains(rerr.String(), "trio.toml:17:1: site[2].rot: unknown key") {
		t.Errorf("trio reload --admin of a broken file: exit %d, stderr %q; want 1 and the error at trio.toml:17:1", code, rerr.String())
	}
	rerr.Reset()
	if code := run(context.Background(), []string{"reload", "--config", file}, &rout, &rerr); code != exitError || !strings.Contains(rerr.String(), "trio.toml:17:1") {
		t.Errorf("trio reload --config with a broken file: exit %d, stderr %q; want 1 and the error's position", code, rerr.String())
	}

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after SIGINT; stderr %s", code, errOut.String())
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file after exit: %v; want it removed", err)
	}
}

// A file that does not load stops trio serve --config with every error,
// each on its own line with its position and one "trio: " prefix.
func TestServeConfigBroken(t *testing.T) {
	file := siteConfig(t)
	writeFile(t, file, "listen = 5\n")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", file}, &out, &errOut)
	if code != exitError || !regexp.MustCompile(`^trio: serve: \S*trio\.toml:1:\d+: listen: `).MatchString(errOut.String()) {
		t.Errorf("exit %d, stderr %q; want 1 and the error at trio.toml:1", code, errOut.String())
	}
	if strings.Contains(errOut.String(), "trio: trio:") {
		t.Errorf("stderr %q has a doubled prefix", errOut.String())
	}
}
