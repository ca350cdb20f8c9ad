package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/qlogwriter"
)

// qlogFile starts the qlog file of one QUIC connection in dir, named
// <time>_<odcid>_server.sqlog (JSON-SEQ, as quic-go's own QLOGDIR
// writes): qvis (https://qvis.quictools.info) opens it.
func qlogFile(dir string, isClient bool, id quic.ConnectionID) (qlogwriter.Trace, error) {
	side := "server"
	if isClient {
		side = "client"
	}
	name := filepath.Join(dir, fmt.Sprintf("%s_%s_%s.sqlog", time.Now().UTC().Format("20060102T150405.000Z"), id, side))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	t := qlogwriter.NewConnectionFileSeq(&bufferedFile{bufio.NewWriter(f), f}, isClient, id)
	go t.Run()
	return t, nil
}

// A bufferedFile writes through a buffer and flushes it when closed.
type bufferedFile struct {
	*bufio.Writer
	f *os.File
}

func (b *bufferedFile) Close() error {
	err := b.Flush()
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// prepareQlogDir creates dir for --qlog if needed and checks it can be
// written, so that a mistake shows at start rather than per connection.
func prepareQlogDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--qlog: %w", err)
	}
	probe, err := os.CreateTemp(dir, ".trio-qlog-probe-")
	if err != nil {
		return fmt.Errorf("--qlog: %w", err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
