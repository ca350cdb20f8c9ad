package trio_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// emfileChild is set in the environment of the test binary re-executed by
// TestAcceptEMFILE to serve with a low open-file limit.
const emfileChild = "TRIO_TEST_EMFILE_CHILD"

// TestAcceptEMFILE runs a server with an open-file limit of 64 in a child
// process (so this one is not starved) and floods it with idle
// connections from one address, with every connection limit off: accept
// fails with EMFILE, which is logged and counted without a spin, and the
// flood's oldest connections are closed so that a new client is served,
// in cleartext and over TLS.
func TestAcceptEMFILE(t *testing.T) {
	if os.Getenv(emfileChild) != "" {
		serveEMFILEChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptEMFILE$")
	cmd.Env = append(os.Environ(), emfileChild+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testtool.Buffer
	cmd.Stderr = &stderr
	childStart := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	var textAddr, tlsAddr, caFile string
	if !out.Scan() {
		t.Fatalf("child printed no addresses; stderr:\n%s", stderr.String())
	}
	if _, err := fmt.Sscan(out.Text(), &textAddr, &tlsAddr, &caFile); err != nil {
		t.Fatalf("child's first line %q: %v", out.Text(), err)
	}
	start := time.Now()

	const n = 150 // over twice the child's limit
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: flooder}, Timeout: 5 * time.Second}
	for i := range n {
		c, err := d.Dial("tcp", textAddr)
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		flood = append(flood, c)
	}
	time.Sleep(200 * time.Millisecond) // the child works through its backlog

	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	for _, u := range []string{"http://" + textAddr + "/new", "https://" + tlsAddr + "/new"} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, DisableKeepAlives: true}
		cl := &http.Client{Transport: tr, Timeout: 15 * time.Second}
		t0 := time.Now()
		resp, err := cl.Get(u)
		if err != nil {
			t.Errorf("new client GET %s at the open-file limit: %v", u, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Logf("GET %s at the open-file limit: %s in %v", u, resp.Status, time.Since(t0).Round(time.Millisecond))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "GET /new") {
			t.Errorf("GET %s: %s %q", u, resp.Status, body)
		}
	}
	elapsed := time.Since(start)
	stdin.Close()
	if !out.Scan() {
		t.Fatalf("child printed no hit count; stderr:\n%s", stderr.String())
	}
	hits, err := strconv.Atoi(strings.TrimPrefix(out.Text(), "fd_limit "))
	if err != nil {
		t.Fatalf("child's last line %q: %v", out.Text(), err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, stderr.String())
	}
	t.Logf("child: %d EMFILE hits in %v", hits, elapsed.Round(time.Millisecond))
	// Backoff: no more than one failed accept per 5 ms (plus the few
	// of the shutdown), where a spin would make many thousands.
	if maxHits := int(elapsed/(5*time.Millisecond)) + 20; hits < 1 || hits > maxHits {
		t.Errorf("fd_limit hits = %d; want 1 to %d", hits, maxHits)
	}
	// Logged, once per LogInterval (100 ms in the child) at most.
	lines := strings.Count(stderr.String(), "limit=fd_limit ")
	if maxLines := int(time.Since(childStart)/(100*time.Millisecond)) + 1; lines < 1 || lines > maxLines {
		t.Errorf("child logged %d fd_limit lines; want 1 to %d; stderr:\n%s", lines, maxLines, stderr.String())
	}
	t.Logf("child logged %d fd_limit lines, first: %s", lines, firstLine(stderr.String(), "limit=fd_limit "))
}

// firstLine returns the first line of s containing sub.
func firstLine(s, sub string) string {
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// serveEMFILEChild is the child of TestAcceptEMFILE: it serves with
// RLIMIT_NOFILE at 64 until its stdin closes, printing its addresses and
// CA file first and the fd_limit hits last.
func serveEMFILEChild(t *testing.T) {
	cert := testcert.New(t)
	hits := new(hitCounter)
	srv := &trio.Server{
		Addr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Handler:  protoHandler,
		TLS:      cert.Source,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Observer: hits,
		Limits:   trio.Limits{MaxConns: -1, MaxConnsPerIP: -1, MaxHandshakes: -1, LogInterval: 100 * time.Millisecond},
	}
	srv.H3.Disable = true
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	caFile := cert.Source.(*tlsconf.LocalCA).RootFile()
	var old syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old)
	lim := syscall.Rlimit{Cur: 64, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	fmt.Printf("%s %s %s\n", ls.Cleartext[0].Addr(), ls.TLS[0].Addr(), caFile)
	io.Copy(io.Discard, os.Stdin)
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Close()
	if err := srv.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ServeListeners = %v", err)
	}
	fmt.Printf("fd_limit %d\n", hits.Get(trio.LimitFDs))
}
