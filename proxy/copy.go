package proxy

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyBody copies the upstream's body to w, flushing after each write if
// interval < 0, at most interval after a write if > 0, never if 0 (rc is
// then unused and may be nil). It
// returns the error reading from the upstream or writing to the client
// that stopped it; both nil at the body's end.
func copyBody(w http.ResponseWriter, rc *http.ResponseController, body io.Reader, interval time.Duration) (readErr, writeErr error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var late *lateFlusher
	if interval > 0 {
		late = &lateFlusher{rc: rc, d: interval}
		defer late.stop()
	}
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if werr := write(w, rc, buf[:n], interval, late); werr != nil {
				return nil, werr
			}
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return err, nil
		}
	}
}

func write(w http.ResponseWriter, rc *http.ResponseController, p []byte, interval time.Duration, late *lateFlusher) error {
	if late != nil {
		late.mu.Lock()
		defer late.mu.Unlock()
	}
	if _, err := w.Write(p); err != nil {
		return err
	}
	switch {
	case interval < 0:
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	case late != nil:
		late.scheduleLocked()
	}
	return nil
}

// A lateFlusher flushes at most d after a write.
type lateFlusher struct {
	rc *http.ResponseController
	d  time.Duration

	mu      sync.Mutex // held by writes and flushes
	t       *time.Timer
	pending bool
	stopped bool
}

func (f *lateFlusher) scheduleLocked() {
	if f.pending {
		return
	}
	f.pending = true
	if f.t == nil {
		f.t = time.AfterFunc(f.d, f.flush)
	} else {
		f.t.Reset(f.d)
	}
}

func (f *lateFlusher) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending && !f.stopped {
		f.rc.Flush()
	}
	f.pending = false
}

func (f *lateFlusher) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	if f.t != nil {
		f.t.Stop()
	}
}
