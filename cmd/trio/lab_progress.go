package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// A progress shows lines written to it on a terminal, each replacing the
// last, and passes them through unchanged elsewhere.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	term  bool
	buf   []byte
	shown bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.term = true
		}
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.term {
		return p.w.Write(b)
	}
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		fmt.Fprintf(p.w, "\r\033[K%s", p.buf[:i]) // back to the line's start, clear it
		p.shown = true
		p.buf = p.buf[i+1:]
	}
}

// done ends the progress line on a terminal.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.term && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
