package main

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
)

// newLogger logs text lines to w: notices and errors, and with verbose
// every connection error too.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// A heldWriter keeps what is written to it until release, then writes it
// out and passes everything after straight through: log lines from
// start-up wait until the banner is printed, rather than cut it in two.
type heldWriter struct {
	w io.Writer

	mu       sync.Mutex
	buf      bytes.Buffer
	released bool
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return h.w.Write(p)
	}
	return h.buf.Write(p)
}

// release writes what was held and lets later writes through. Calling it
// again does nothing.
func (h *heldWriter) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.released {
		h.released = true
		h.w.Write(h.buf.Bytes())
		h.buf = bytes.Buffer{}
	}
}
