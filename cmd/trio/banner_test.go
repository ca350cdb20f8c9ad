package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
)

// Log lines written while trio starts (here: the new local CA's) wait
// until the banner is printed, even when stdout and stderr are one
// terminal.
func TestBannerNotInterrupted(t *testing.T) {
	t.Setenv("TRIO_DATA_DIR", t.TempDir()) // a new CA: its creation is logged
	var term testtool.Buffer               // stdout and stderr, as on a terminal
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, &term, &term)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(term.String(), "Press Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d:\n%s", code, term.String())
	}
	out := term.String()
	start, end := strings.Index(out, "trio "), strings.Index(out, "Press Ctrl-C")
	if start != 0 || end < 0 {
		t.Fatalf("output does not start with the banner:\n%s", out)
	}
	if banner := out[:end]; strings.Contains(banner, "level=") {
		t.Errorf("a log line cuts the banner in two:\n%s", banner)
	}
	if !strings.Contains(out[end:], "created local CA root") {
		t.Errorf("the start-up log line is missing after the banner:\n%s", out)
	}
}

var spkiRE = regexp.MustCompile(`--ignore-certificate-errors-spki-list=\S+`)

// The Chromium command of the banner keeps working after a restart: two
// starts on one data directory print the same SPKI pin.
func TestBannerSPKIStable(t *testing.T) {
	data := t.TempDir()
	flagOf := func() string {
		t.Helper()
		t.Setenv("TRIO_DATA_DIR", data)
		var out testtool.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--http", ""}, &out, &out)
		}()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Press Ctrl-C") && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
		f := spkiRE.FindString(out.String())
		if f == "" {
			t.Fatalf("banner has no SPKI flag:\n%s", out.String())
		}
		return f
	}
	if first, second := flagOf(), flagOf(); first != second {
		t.Errorf("the SPKI flag changed across restarts: %s, then %s", first, second)
	}
}
