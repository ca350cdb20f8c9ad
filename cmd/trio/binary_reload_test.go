package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/loadtest"
)

// The trio binary reloads on SIGHUP under load: h1, h2 and h3 requests all
// succeed and a WebSocket per protocol keeps echoing across a refused
// reload (broken file: logged with its position, counted) and a good one
// (new content, a new site), and trio reload --pid-file reloads too. On
// SIGTERM it exits 0 with one access-log line per request sent.
func TestBinaryReloadSIGHUP(t *testing.T) {
	bin := buildTrio(t)
	data := t.TempDir()
	file := siteConfig(t)
	pidFile := filepath.Join(t.TempDir(), "trio.pid")
	cmd := exec.Command(bin, "serve", "--config", file, "--pid-file", pidFile)
	cmd.Env = append(os.Environ(), "TRIO_DATA_DIR="+data)
	stdout, _ := cmd.StdoutPipe()
	var stderr testtool.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var addr, admin string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil && m[1] == "https" {
			addr = m[2]
		}
		if m := adminRE.FindStringSubmatch(sc.Text()); m != nil {
			admin = m[1]
		}
	}
	if addr == "" || admin == "" {
		t.Fatalf("no https or admin address in the banner; stderr:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}

	load, err := loadtest.Start(loadtest.Target{Addr: addr, Pool: pool, Host: "a.localhost", Path: "/", WSHost: "127.0.0.1", WSPath: "/ws/echo", MaxRequests: 3000})
	if err != nil {
		t.Fatal(err)
	}
	load.WaitSent(t, 60)

	writeFile(t, file, loadtest.ConfigBroken)
	cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, &stderr, `level=ERROR msg="config: reload refused; still serving the previous configuration" error="\S*trio\.toml:17:1: site\[2\]\.rot: unknown key`)
	load.WaitSent(t, 60)

	writeFile(t, file, loadtest.ConfigAfter)
	reloaded := time.Now()
	cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, &stderr, `msg="config: reloaded"`)
	after := time.Now()
	load.WaitSent(t, 90)
	if !load.WaitEchoes(5, 20*time.Second) {
		t.Errorf("the WebSockets did not go on echoing after the reload: %v", load.Echoes())
	}
	fresh := loadtest.Get(loadtest.Target{Addr: addr, Pool: pool, Host: "c.localhost", Path: "/", MaxRequests: 1})
	results, wsErrs, echoes := load.Stop()
	loadtest.Check(t, results, wsErrs, echoes, reloaded, after, "A before", "A after")
	for _, res := range fresh {
		if res.Err != nil || res.Status != 200 || res.Body != "C new" {
			t.Errorf("new site c over %s: %d %q %v; want 200 \"C new\"", res.Proto, res.Status, res.Body, res.Err)
		}
	}

	out, err := exec.Command(bin, "reload", "--pid-file", pidFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sent SIGHUP") {
		t.Errorf("trio reload --pid-file: %v: %s", err, out)
	}
	waitLog(t, &stderr, `(?s)msg="config: reloaded".*msg="config: reloaded"`)
	if got := scrape(t, admin, `trio_config_reloads_total{result="failed"}`) + " " + scrape(t, admin, `trio_config_reloads_total{result="ok"}`); got != "1 2" {
		t.Errorf("reloads failed, ok = %s; want 1 2", got)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("trio exited with %v after SIGTERM; want 0 (stderr %s)", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("trio did not exit within 15s of SIGTERM")
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(b), `"uri":"/"`), len(results)+len(fresh); got != want {
		t.Errorf("access log has %d request lines after SIGTERM; want %d, one per request sent", got, want)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file after exit: %v; want it removed", err)
	}
}

// waitLog waits up to 10s for the pattern re in log.
func waitLog(t *testing.T, log *testtool.Buffer, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for !rx.MatchString(log.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %s after 10s:\n%s", re, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scrape returns the value of the sample named series on the admin
// listener's /metrics.
func scrape(t *testing.T, admin, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return "none"
}
