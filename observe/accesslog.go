package observe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// flushInterval is how often buffered lines reach the destination.
const flushInterval = time.Second

// maxPending is how many lines may wait for the writer goroutine; a
// request that finds the queue full waits until it has room.
const maxPending = 8192

// An AccessLog writes one line per request to a file, stdout or stderr.
// Lines are queued by the request and written by a goroutine of the log's
// own through a buffer flushed every second, when it fills, and at Close.
// Its methods may be called from many goroutines at once.
type AccessLog struct {
	mu      sync.Mutex
	room    sync.Cond     // signalled when the writer took the queue
	queue   []entry       // lines waiting for the writer
	limit   int           // most lines queued; maxPending but in tests
	waiting int           // adds waiting for room
	closed  bool          // Close was called
	done    bool          // the writer took its last batch: later lines are discarded
	wake    chan struct{} // cap 1: the queue is half full, or a switch waits
	switchc chan *sink    // Reopen hands the writer its new sink
	result  chan error    // the writer's final error, at Close
	stopped chan struct{} // closed when the writer has returned
}

// A sink is where lines go: a destination and its format.
type sink struct {
	w      *bufio.Writer
	f      io.Closer // nil for stdout and stderr
	format format
	ack    chan error // Reopen waits for the old sink's last flush
}

type format uint8

const (
	formatJSON format = iota
	formatCombined
)

func parseFormat(s string) (format, error) {
	switch s {
	case "", "json":
		return formatJSON, nil
	case "combined":
		return formatCombined, nil
	}
	return 0, fmt.Errorf("observe: unknown access log format %q; want json or combined", s)
}

// openSink opens dest: "stdout", "stderr" or a file path, appended to and
// created with mode 0644 if missing.
func openSink(dest, formatName string) (*sink, error) {
	f, err := parseFormat(formatName)
	if err != nil {
		return nil, err
	}
	s := &sink{format: f}
	switch dest {
	case "stdout":
		s.w = bufio.NewWriterSize(os.Stdout, 64<<10)
	case "stderr":
		s.w = bufio.NewWriterSize(os.Stderr, 64<<10)
	case "":
		return nil, errors.New("observe: access log destination is empty")
	default:
		file, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("observe: access log: %w", err)
		}
		s.w, s.f = bufio.NewWriterSize(file, 64<<10), file
	}
	return s, nil
}

// close flushes s and closes its file.
func (s *sink) close() error {
	err := s.w.Flush()
	if s.f != nil {
		err = errors.Join(err, s.f.Close())
	}
	return err
}

// OpenAccessLog opens an access log writing to dest ("stdout", "stderr" or
// a file path, appended to) in format "json" (the default when "") or
// "combined".
func OpenAccessLog(dest, format string) (*AccessLog, error) {
	s, err := openSink(dest, format)
	if err != nil {
		return nil, err
	}
	l := &AccessLog{
		queue:   make([]entry, 0, 256),
		limit:   maxPending,
		wake:    make(chan struct{}, 1),
		switchc: make(chan *sink),
		result:  make(chan error, 1),
		stopped: make(chan struct{}),
	}
	l.room.L = &l.mu
	go l.run(s)
	return l, nil
}

// Reopen makes later lines go to dest in format, reopening the file when
// dest is the same path (after logrotate renamed it). Lines queued before
// Reopen returns go to the old or the new destination; none is lost. If
// dest cannot be opened, the log keeps writing where it did.
func (l *AccessLog) Reopen(dest, format string) error {
	s, err := openSink(dest, format)
	if err != nil {
		return err
	}
	s.ack = make(chan error, 1)
	select {
	case l.switchc <- s:
		return <-s.ack
	case <-l.stopped:
		s.close()
		return errors.New("observe: access log is closed")
	}
}

// Close writes every line logged before it returns, flushes and closes the
// destination, and stops the writer; requests waiting for room in the
// queue when it is called get their lines written too. Lines logged after
// Close returned are discarded.
func (l *AccessLog) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errors.New("observe: access log already closed")
	}
	l.closed = true
	l.room.Broadcast()
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return <-l.result
}

// add queues e, waiting while the queue is full. It reports false if the
// log was closed, and e discarded.
func (l *AccessLog) add(e *entry) bool {
	l.mu.Lock()
	for len(l.queue) >= l.limit && !l.done {
		l.waiting++
		l.room.Wait()
		l.waiting--
	}
	if l.done {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, *e)
	n, closing := len(l.queue), l.closed
	l.mu.Unlock()
	if n == (l.limit+1)/2 || closing { // half full, or Close waits for it
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// take swaps the queue for spare and returns what was queued. Once Close
// was called and no add waits for room, this batch is the last (done).
func (l *AccessLog) take(spare []entry) (batch []entry, done bool) {
	l.mu.Lock()
	batch, l.queue = l.queue, spare[:0]
	if l.closed && l.waiting == 0 {
		l.done = true
	}
	done = l.done
	l.room.Broadcast()
	l.mu.Unlock()
	return batch, done
}

// run is the writer goroutine: it encodes queued lines into s's buffer.
func (l *AccessLog) run(s *sink) {
	defer close(l.stopped)
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	var spare []entry
	var buf []byte
	var werr error // the first write error since the last report
	for {
		var flush bool
		select {
		case <-l.wake:
		case <-t.C:
			flush = true
		case ns := <-l.switchc:
			batch, _ := l.take(spare)
			buf = s.write(batch, buf)
			clear(batch)
			spare = batch
			ns.ack <- errors.Join(werr, s.close())
			s, werr = ns, nil
			continue
		}
		batch, done := l.take(spare)
		buf = s.write(batch, buf)
		clear(batch) // drop the strings for the collector
		spare = batch
		if done {
			l.result <- errors.Join(werr, s.close())
			return
		}
		if flush {
			if err := s.w.Flush(); err != nil && werr == nil {
				werr = err
				fmt.Fprintf(os.Stderr, "trio: access log: %v\n", err)
			}
		}
	}
}

// write encodes batch into s's buffer, using buf as scratch; it returns
// buf for the next batch.
func (s *sink) write(batch []entry, buf []byte) []byte {
	for i := range batch {
		buf = buf[:0]
		if s.format == formatCombined {
			buf = batch[i].appendCombined(buf)
		} else {
			buf = batch[i].appendJSON(buf)
		}
		s.w.Write(buf)
	}
	return buf
}
