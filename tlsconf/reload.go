package tlsconf

import (
	"context"
	"os"
	"time"
)

// DefaultReloadInterval is how often [FileSource.Watch] checks the files
// when given no interval.
const DefaultReloadInterval = 5 * time.Second

// A fileStamp identifies one version of a file.
type fileStamp struct {
	info os.FileInfo // nil if the file could not be read
}

// stamp returns the current stamp of the file name.
func stamp(name string) fileStamp {
	fi, err := os.Stat(name)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi}
}

// same reports whether a and b are the same version: the same file (not
// replaced by a rename), size and modification time.
func (a fileStamp) same(b fileStamp) bool {
	if a.info == nil || b.info == nil {
		return a.info == nil && b.info == nil
	}
	return os.SameFile(a.info, b.info) && a.info.Size() == b.info.Size() && a.info.ModTime().Equal(b.info.ModTime())
}

// Watch checks the files every interval (if zero or negative,
// DefaultReloadInterval) and reloads them when one changes (written in
// place or replaced), until ctx is done. New handshakes, on TCP and QUIC
// alike, then get the new certificate; open connections are untouched. A
// reload that fails is logged and the previous certificate stays; it is
// tried again when a file changes again.
func (s *FileSource) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultReloadInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.changed() {
			continue
		}
		if err := s.load(); err != nil {
			s.logger.Error("tlsconf: reloading certificate failed; keeping the previous one", "error", err)
			continue
		}
		s.logger.Info("tlsconf: reloaded certificate", "file", s.certFile, "notAfter", s.cert.Load().Leaf.NotAfter)
	}
}

// Reload reads the files again now. On error the previous certificate
// stays.
func (s *FileSource) Reload() error {
	return s.load()
}

// changed reports whether either file differs from when it was last read.
func (s *FileSource) changed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.stamps[0].same(stamp(s.certFile)) || !s.stamps[1].same(stamp(s.keyFile))
}

// remember records the files' stamps before they are read, so that a
// change during the read is seen by the next check.
func (s *FileSource) remember() {
	c, k := stamp(s.certFile), stamp(s.keyFile)
	s.mu.Lock()
	s.stamps = [2]fileStamp{c, k}
	s.mu.Unlock()
}
