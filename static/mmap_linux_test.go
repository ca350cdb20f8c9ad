package static

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// truncatingWriter records what it is given, and truncates a file after
// the first write, as another process rewriting it would.
type truncatingWriter struct {
	*httptest.ResponseRecorder
	path   string
	writes int
}

func (w *truncatingWriter) Write(p []byte) (int, error) {
	w.writes++
	n, err := w.ResponseRecorder.Write(p) // reads every byte of p
	if w.writes == 1 {
		if err := os.Truncate(w.path, 0); err != nil {
			panic(err)
		}
	}
	return n, err
}

// TestMappedFileShrinks truncates a file while sendMapped sends it: the
// next read of the mapping faults, and the fault must reach the caller as
// http.ErrAbortHandler, not as a crash or a short body returned quietly.
func TestMappedFileShrinks(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, bytes.Repeat([]byte("x"), 4*mapChunk), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	w := &truncatingWriter{ResponseRecorder: httptest.NewRecorder(), path: p}
	defer func() {
		if e := recover(); e != http.ErrAbortHandler {
			t.Errorf("recovered %v; want http.ErrAbortHandler", e)
		}
		if w.writes != 2 {
			t.Errorf("faulted in write %d; want the first write after the truncation, 2", w.writes)
		}
	}()
	sendMapped(w, fd, 0, 4*mapChunk)
	t.Errorf("sendMapped returned after the file was truncated under it")
}

// TestMappedOffset sends a range that starts off a page boundary.
func TestMappedOffset(t *testing.T) {
	body := make([]byte, 3*mapChunk+5)
	for i := range body {
		body[i] = byte(i % 251)
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	w := httptest.NewRecorder()
	n, ok := sendMapped(w, fd, 5000, int64(len(body)-5000))
	if !ok || n != int64(len(body)-5000) {
		t.Fatalf("sendMapped = %d, %v; want %d, true", n, ok, len(body)-5000)
	}
	if !bytes.Equal(w.Body.Bytes(), body[5000:]) {
		t.Errorf("body differs from the file's bytes 5000 on")
	}
}
