package h3

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// A wsStream is a request stream taken over after a 2xx answer to an
// extended CONNECT (RFC 9220): reads return the client's DATA payloads,
// writes send DATA frames. It stays in use until closed.
type wsStream struct {
	rs *requestStream
	mu sync.Mutex // serializes writes
	hb [16]byte
}

// takeStream sends the 2xx response header and hands the stream over.
func (w *responseWriter) takeStream() (*wsStream, error) {
	if !w.wroteHeader || w.status/100 != 2 {
		return nil, errors.New("response is not 2xx")
	}
	w.header.Del("Content-Length")
	if err := w.FlushError(); err != nil {
		return nil, err
	}
	if w.buf != nil {
		putBuf(w.buf)
		w.buf = nil
	}
	w.hijacked = true
	w.rs.c.wsOpened()
	return &wsStream{rs: w.rs}, nil
}

func (s *wsStream) Read(p []byte) (int, error) { return s.rs.body.Read(p) }

func (s *wsStream) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.str.Write(appendFrameHeader(s.hb[:0], frameData, len(p))); err != nil {
		return 0, err
	}
	if s.rs.c.qlog != nil {
		createdData(s.rs.c.qlog, s.rs.str.StreamID(), len(p))
	}
	return s.rs.str.Write(p)
}

// Close sends a FIN after what was written, and releases the stream.
func (s *wsStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.rs.str.Close()
	s.rs.release()
	return err
}

func (s *wsStream) CancelRead(code quic.StreamErrorCode) {
	s.rs.str.CancelRead(code)
	s.rs.release()
}

func (s *wsStream) SetReadDeadline(t time.Time) error  { return s.rs.str.SetReadDeadline(t) }
func (s *wsStream) SetWriteDeadline(t time.Time) error { return s.rs.str.SetWriteDeadline(t) }

var _ http.ResponseWriter = (*responseWriter)(nil)
