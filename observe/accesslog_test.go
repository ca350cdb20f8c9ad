package observe

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// readLines returns the lines of the file at path.
func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// uriOf decodes a JSON line and returns its uri.
func uriOf(t testing.TB, line string) string {
	t.Helper()
	var v struct{ URI string }
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return v.URI
}

func testEntry(uri string) *entry {
	return &entry{time: time.Now(), remote: "127.0.0.1:1", host: "h", method: "GET",
		uri: uri, proto: "HTTP/1.1", status: 200, stream: -1}
}

// TestCloseLosesNothing logs 2,000 lines from 20 goroutines through a
// queue of 16, so that writers block on a full queue while the writer
// drains it, then closes: every line must be in the file, once.
func TestCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	l.limit = 16
	l.mu.Unlock()
	const goroutines, each = 20, 100
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				l.add(testEntry("/" + strconv.Itoa(g*each+i)))
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	seen := make(map[string]bool)
	for _, line := range readLines(t, path) {
		u := uriOf(t, line)
		if seen[u] {
			t.Errorf("line for %s written twice", u)
		}
		seen[u] = true
	}
	if len(seen) != goroutines*each {
		t.Errorf("%d distinct lines; want %d", len(seen), goroutines*each)
	}
	if err := l.Close(); err == nil {
		t.Errorf("second Close = nil; want an error")
	}
}

// TestCloseWhileLogging closes the log while 16 goroutines log through a
// queue of one line: every line whose add reported it kept must be in the
// file, and so must every line logged before Close was called.
func TestCloseWhileLogging(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	l.limit = 1
	l.mu.Unlock()
	var closing atomic.Bool
	var logged atomic.Int64
	var mu sync.Mutex
	kept := map[string]bool{}   // add returned true
	before := map[string]bool{} // add returned before Close was called
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				uri := "/" + strconv.Itoa(g) + "/" + strconv.Itoa(i)
				ok := l.add(testEntry(uri))
				early := !closing.Load()
				mu.Lock()
				if ok {
					kept[uri] = true
				}
				if early {
					before[uri] = true
				}
				mu.Unlock()
				if !ok {
					return
				}
				logged.Add(1)
			}
		})
	}
	for logged.Load() < 2000 {
		time.Sleep(time.Millisecond)
	}
	closing.Store(true)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	inFile := map[string]bool{}
	for _, line := range readLines(t, path) {
		inFile[uriOf(t, line)] = true
	}
	for uri := range kept {
		if !inFile[uri] {
			t.Errorf("%s was kept by add but is not in the file", uri)
		}
	}
	for uri := range before {
		if !kept[uri] {
			t.Errorf("%s was logged before Close was called but discarded", uri)
		}
	}
	if len(inFile) != len(kept) {
		t.Errorf("%d lines in the file; want the %d kept", len(inFile), len(kept))
	}
}

// TestReopenAfterRename does what logrotate does while requests go on:
// rename the file, then Reopen the same path. Every line logged after
// Reopen returned must be in the new file, and no line may be lost or
// doubled across the two.
func TestReopenAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	var reopened atomic.Bool
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				phase := "before"
				if reopened.Load() {
					phase = "after"
				}
				l.add(testEntry("/" + phase + "/" + strconv.FormatInt(n.Add(1), 10)))
			}
		})
	}
	for n.Load() < 2000 {
		time.Sleep(time.Millisecond)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(path, "json"); err != nil {
		t.Fatalf("Reopen: %v", err)
	}
	reopened.Store(true)
	start := n.Load()
	for n.Load() < start+2000 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	seen := make(map[string]bool)
	for _, f := range []string{path + ".1", path} {
		for _, line := range readLines(t, f) {
			u := uriOf(t, line)
			if seen[u] {
				t.Errorf("%s: line for %s written twice", f, u)
			}
			seen[u] = true
			if f == path+".1" && strings.HasPrefix(u, "/after/") {
				t.Errorf("%s logged after Reopen returned but written to the rotated file", u)
			}
		}
	}
	if int64(len(seen)) != n.Load() {
		t.Errorf("%d lines in both files; want %d", len(seen), n.Load())
	}
	if len(readLines(t, path)) == 0 {
		t.Errorf("the new file has no lines")
	}
}

// TestFlushOnTimer: a line reaches the file within the flush interval
// and a half, without Close.
func TestFlushOnTimer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := OpenAccessLog(path, "combined")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.add(testEntry("/timer"))
	deadline := time.Now().Add(flushInterval * 3 / 2)
	for {
		lines := readLines(t, path)
		if len(lines) == 1 && strings.Contains(lines[0], `"GET /timer HTTP/1.1" 200`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the file holds %q; want the one combined line", flushInterval*3/2, lines)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ dest, format, want string }{
		{filepath.Join(dir, "a.log"), "xml", `unknown access log format "xml"`},
		{"", "json", "destination is empty"},
		{filepath.Join(dir, "missing", "a.log"), "json", "no such file or directory"},
	} {
		l, err := OpenAccessLog(tt.dest, tt.format)
		if err == nil {
			l.Close()
			t.Errorf("OpenAccessLog(%q, %q) = nil error; want %q", tt.dest, tt.format, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenAccessLog(%q, %q) = %v; want %q", tt.dest, tt.format, err, tt.want)
		}
	}
}

// TestReopenFailureKeepsOld: a destination that cannot be opened leaves
// the log writing where it did.
func TestReopenFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	l, err := OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(filepath.Join(dir, "missing", "b.log"), "json"); err == nil {
		t.Errorf("Reopen into a missing folder = nil; want an error")
	}
	if err := l.Reopen(path, "yaml"); err == nil {
		t.Errorf("Reopen with format yaml = nil; want an error")
	}
	l.add(testEntry("/kept"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if len(lines) != 1 || uriOf(t, lines[0]) != "/kept" {
		t.Errorf("file holds %q; want the /kept line", lines)
	}
	if err := l.Reopen(path, "json"); err == nil {
		t.Errorf("Reopen after Close = nil; want an error")
	}
}

// TestStdout: "stdout" writes to the process's standard output, which
// Close flushes but leaves open.
func TestStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	l, err := OpenAccessLog("stdout", "")
	os.Stdout = old
	if err != nil {
		t.Fatal(err)
	}
	l.add(testEntry("/out"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(nil); err != nil {
		t.Errorf("stdout closed by Close: %v", err)
	}
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || uriOf(t, line) != "/out" {
		t.Errorf("stdout got %q, %v; want the /out line", line, err)
	}
}

// TestReopenElsewhere: Reopen may change destination and format; lines
// logged before it stay in the old file, later ones go to the new.
func TestReopenElsewhere(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	l, err := OpenAccessLog(a, "json")
	if err != nil {
		t.Fatal(err)
	}
	l.add(testEntry("/first"))
	if err := l.Reopen(b, "combined"); err != nil {
		t.Fatal(err)
	}
	l.add(testEntry("/second"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if lines := readLines(t, a); len(lines) != 1 || uriOf(t, lines[0]) != "/first" {
		t.Errorf("a.log holds %q; want the /first line in JSON", lines)
	}
	if lines := readLines(t, b); len(lines) != 1 || !strings.Contains(lines[0], `"GET /second HTTP/1.1" 200 -`) {
		t.Errorf("b.log holds %q; want the /second line, combined", lines)
	}
}
