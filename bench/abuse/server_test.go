package abuse

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// A server is a trio.Server running in a child process (this test binary
// run again), so that its heap, goroutines, fds and RSS are its own.
type server struct {
	addrs
	pid   int
	caDir string
	cert  *testcert.Cert
	stdin io.WriteCloser

	mu  sync.Mutex
	log []string // the child's stderr lines: its log
}

// startServer runs the child with the fields of spec set (see setFields)
// and, if nofile is not 0, that RLIMIT_NOFILE. t.Cleanup stops it.
func startServer(t *testing.T, spec string, nofile int) *server {
	t.Helper()
	dir := t.TempDir()
	ca := &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	pool, err := ca.RootPool()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envCA+"="+dir, envSet+"="+spec)
	if nofile > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", envNofile, nofile))
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{pid: cmd.Process.Pid, caDir: dir, cert: &testcert.Cert{Source: ca, Pool: pool}, stdin: stdin}
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("server did not stop within 15s of Close")
		}
		<-logDone
	})
	dec := json.NewDecoder(stdout)
	if err := dec.Decode(&s.addrs); err != nil {
		stdin.Close()
		cmd.Wait()
		<-logDone
		t.Fatalf("server did not start: %v\n%s", err, strings.Join(s.logLines(), "\n"))
	}
	go io.Copy(io.Discard, stdout)
	return s
}

func (s *server) logLines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// logged returns the log lines that contain every one of subs.
func (s *server) logged(subs ...string) []string {
	var out []string
	for _, l := range s.logLines() {
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(l, sub)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// stats asks the child for its figures (it runs a GC first).
func (s *server) stats(t *testing.T) stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Stats+"/stats", nil)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	defer resp.Body.Close()
	var st stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("stats: %v", err)
	}
	return st
}

// rss reads the child's RSS from /proc without disturbing it.
func (s *server) rss() uint64 { return procRSS(fmt.Sprintf("/proc/%d/status", s.pid)) }

// fds counts the child's open file descriptors from /proc.
func (s *server) fds() int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// cpu returns the child's CPU time so far (user and system), from
// /proc/<pid>/stat in clock ticks of 10 ms.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(b), ") ") // the command may hold spaces
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	var ticks int64
	for _, v := range f[11:13] { // utime, stime: fields 14 and 15 of stat
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// goroutines returns the child's goroutines, grouped by stack (pprof's
// debug=1 text), for a failure to show what stayed.
func (s *server) goroutines() string {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + s.Stats + "/goroutines")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	return string(b)
}
