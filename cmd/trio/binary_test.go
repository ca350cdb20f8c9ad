package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/ws"
)

// buildTrio compiles the trio binary into a temporary directory.
func buildTrio(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trio")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The trio binary with Go's HTTP/2 engine still takes WebSockets over
// HTTP/2: it re-executes itself with GODEBUG=http2xconnect=1.
func TestBinaryStdEngineWebSocketOverH2(t *testing.T) {
	bin := buildTrio(t)
	data := t.TempDir()
	cmd := exec.Command(bin, "serve", "--h2-engine", "std", "--listen", "127.0.0.1:0", "--http", "")
	cmd.Env = append(os.Environ(), "TRIO_DATA_DIR="+data, "GODEBUG=")
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var url string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && url == "" {
		if m := urlRE.FindString(sc.Text()); strings.HasPrefix(m, "https://127.0.0.1") {
			url = m
		}
	}
	if url == "" {
		t.Fatalf("no https URL in the banner; stderr:\n%s", stderr.String())
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := ws.Dial(ctx, "wss"+strings.TrimPrefix(url, "https")+"/ws/echo", &ws.DialOptions{
		HTTP:            "h2",
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
		Header:          map[string][]string{"Origin": {url}},
	})
	if err != nil {
		t.Fatalf("WebSocket over HTTP/2 to trio --h2-engine std: %v (stderr %s)", err, stderr.String())
	}
	defer c.CloseNow()
	if resp.ProtoMajor != 2 {
		t.Errorf("handshake over %s; want HTTP/2", resp.Proto)
	}
	if err := c.WriteMessage(ws.MessageText, []byte("over std h2")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "over std h2" {
		t.Fatalf("echo = %q, %v; want %q", msg, err, "over std h2")
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("trio exited with %v after SIGINT; want 0 (stderr %s)", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Error("trio did not exit within 15s of SIGINT")
	}
}
