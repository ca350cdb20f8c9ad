package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/quicvarint"
)

// An h3Conn is a raw HTTP/3 connection: QUIC streams written frame by frame,
// with the server's control stream read in the background.
type h3Conn struct {
	qc          *quic.Conn
	ctrl        *quic.SendStream // ours; nil when the case opens none
	gotSettings chan struct{}    // closed when the server's SETTINGS (or its absence) is known

	mu       sync.Mutex
	settings map[uint64]uint64 // the server's SETTINGS
	ctrlErr  string            // what was wrong with the server's control stream
	uni      map[uint64]int    // server-initiated unidirectional streams by type
	goaways  []uint64
	// streamSeen is how the server answered a request stream left open.
	streamSeen string
}

// dialH3 connects to t's HTTP/3 endpoint. control, unless nil, is written on
// a new control stream after its type byte: normally a SETTINGS frame.
func (t *target) dialH3(ctx context.Context, control []byte) (*h3Conn, error) {
	qc, err := quic.DialAddr(ctx, t.h3addr, t.opts.tlsConfig(t.host, "h3"), &quic.Config{
		HandshakeIdleTimeout: 5 * time.Second,
		MaxIdleTimeout:       30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("QUIC handshake with %s: %v", t.h3addr, err)
	}
	h := &h3Conn{qc: qc, gotSettings: make(chan struct{}), uni: map[uint64]int{}}
	go h.acceptUni()
	if control != nil {
		if h.ctrl, err = qc.OpenUniStream(); err != nil {
			h.close()
			return nil, fmt.Errorf("opening the control stream: %v", err)
		}
		if _, err := h.ctrl.Write(append([]byte{streamControl}, control...)); err != nil {
			h.close()
			return nil, fmt.Errorf("writing the control stream: %v", err)
		}
	}
	return h, nil
}

// defaultSettings is a client's SETTINGS frame: no dynamic QPACK table.
func defaultSettings() []byte { return appendSettings(nil) }

func (h *h3Conn) close() { h.qc.CloseWithError(errH3NoError, "") }

func (h *h3Conn) acceptUni() {
	for {
		s, err := h.qc.AcceptUniStream(context.Background())
		if err != nil {
			return
		}
		go h.readUni(s)
	}
}

func (h *h3Conn) readUni(s *quic.ReceiveStream) {
	typ, err := quicvarint.Read(quicvarint.NewReader(s))
	if err != nil {
		return
	}
	h.mu.Lock()
	h.uni[typ]++
	first := typ == streamControl && h.uni[typ] == 1
	h.mu.Unlock()
	if !first {
		io.Copy(io.Discard, s)
		return
	}
	f, err := readFrame(s, maxControlFrame)
	h.mu.Lock()
	switch {
	case err != nil:
		h.ctrlErr = fmt.Sprintf("control stream: %v before SETTINGS", err)
	case f.typ != frameSettings:
		h.ctrlErr = fmt.Sprintf("control stream starts with frame type 0x%x, not SETTINGS", f.typ)
	default:
		if h.settings, err = parseSettings(f.payload); err != nil {
			h.ctrlErr = err.Error()
		}
	}
	h.mu.Unlock()
	close(h.gotSettings)
	for {
		f, err := readFrame(s, maxControlFrame)
		if err != nil {
			return
		}
		if f.typ == frameGoaway {
			if id, _, err := quicvarint.Parse(f.payload); err == nil {
				h.mu.Lock()
				h.goaways = append(h.goaways, id)
				h.mu.Unlock()
			}
		}
	}
}

// serverSettings waits for the server's SETTINGS.
func (h *h3Conn) serverSettings(ctx context.Context) (map[uint64]uint64, error) {
	select {
	case <-h.gotSettings:
	case <-ctx.Done():
		return nil, errors.New("no SETTINGS on a server control stream before the timeout")
	case <-h.qc.Context().Done():
		return nil, fmt.Errorf("connection closed before SETTINGS: %v", describeH3Err(context.Cause(h.qc.Context())))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctrlErr != "" {
		return nil, errors.New(h.ctrlErr)
	}
	return h.settings, nil
}

// headersFrame QPACK-encodes fields (static table and literals only) into a
// HEADERS frame.
func headersFrame(fields ...hf) []byte {
	var buf bytes.Buffer
	enc := qpack.NewEncoder(&buf)
	for _, f := range fields {
		enc.WriteField(qpack.HeaderField{Name: f.name, Value: f.value})
	}
	return appendFrame(nil, frameHeaders, buf.Bytes())
}

// getFields is a GET request for t.
func getFields(t *target) []hf {
	return []hf{{":method", "GET"}, {":scheme", "https"}, {":authority", t.authority()}, {":path", t.path}}
}

// An h3Answer is how the server answered a request stream.
type h3Answer struct {
	status    string
	body      int
	streamErr *quic.StreamError
	connErr   *quic.ApplicationError
	err       error
}

func (a h3Answer) String() string {
	switch {
	case a.status != "":
		return fmt.Sprintf(":status %s, %d-byte body", a.status, a.body)
	case a.streamErr != nil:
		return "stream reset with " + h3ErrorName(uint64(a.streamErr.ErrorCode))
	case a.connErr != nil:
		return describeH3Err(a.connErr)
	}
	return fmt.Sprintf("%v", a.err)
}

// code is the stream or connection error code, or 0.
func (a h3Answer) code() uint64 {
	switch {
	case a.streamErr != nil:
		return uint64(a.streamErr.ErrorCode)
	case a.connErr != nil:
		return uint64(a.connErr.ErrorCode)
	}
	return 0
}

// request opens a request stream, writes frames, ends the stream when fin
// is set, and reads the answer.
func (h *h3Conn) request(ctx context.Context, frames []byte, fin bool) h3Answer {
	s, err := h.qc.OpenStreamSync(ctx)
	if err != nil {
		return classifyH3(err)
	}
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	if _, err := s.Write(frames); err != nil {
		return classifyH3(err)
	}
	if fin {
		s.Close()
	}
	return readAnswer(s)
}

// readAnswer reads a response: HEADERS (after any interim ones), then DATA
// until the end of the stream.
func readAnswer(s *quic.Stream) h3Answer {
	var a h3Answer
	for {
		f, err := readFrame(s, maxRequestFrame)
		if err == io.EOF && a.status != "" {
			return a
		}
		if err != nil {
			if a.status != "" {
				a.err = err
				return a // a response, then a reset: report the response
			}
			return classifyH3(err)
		}
		switch f.typ {
		case frameHeaders:
			if a.status != "" {
				continue // trailers
			}
			st, err := decodeStatus(f.payload)
			if err != nil {
				return h3Answer{err: err}
			}
			if !strings.HasPrefix(st, "1") {
				a.status = st
			}
		case frameData:
			a.body += len(f.payload)
		}
	}
}

func decodeStatus(block []byte) (string, error) {
	next := qpack.NewDecoder().Decode(block)
	for {
		f, err := next()
		if err == io.EOF {
			return "", errors.New("response HEADERS without :status")
		}
		if err != nil {
			return "", fmt.Errorf("response HEADERS: QPACK: %v", err)
		}
		if f.Name == ":status" {
			return f.Value, nil
		}
	}
}

func classifyH3(err error) h3Answer {
	var se *quic.StreamError
	var ae *quic.ApplicationError
	switch {
	case errors.As(err, &se) && se.Remote:
		return h3Answer{streamErr: se}
	case errors.As(err, &ae) && ae.Remote:
		return h3Answer{connErr: ae}
	}
	return h3Answer{err: err}
}

// awaitClose waits up to wait for the server to close the connection and
// returns its error code.
func (h *h3Conn) awaitClose(ctx context.Context, wait time.Duration) (uint64, string) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-h.qc.Context().Done():
	case <-t.C:
		return 0, fmt.Sprintf("connection still open after %v", wait)
	case <-ctx.Done():
		return 0, "connection still open at the timeout"
	}
	cause := context.Cause(h.qc.Context())
	var ae *quic.ApplicationError
	if errors.As(cause, &ae) && ae.Remote {
		return uint64(ae.ErrorCode), describeH3Err(ae)
	}
	return 0, fmt.Sprintf("connection ended: %v", cause)
}

func describeH3Err(err error) string {
	var ae *quic.ApplicationError
	if errors.As(err, &ae) {
		who := "server"
		if !ae.Remote {
			who = "checker"
		}
		s := fmt.Sprintf("%s closed the connection with %s", who, h3ErrorName(uint64(ae.ErrorCode)))
		if ae.ErrorMessage != "" {
			s += fmt.Sprintf(" (%q)", ae.ErrorMessage)
		}
		return s
	}
	return fmt.Sprint(err)
}

// readHead reads a response's final HEADERS and stops there: for tunnels,
// whose bodies do not end.
func readHead(s *quic.Stream) h3Answer {
	for {
		f, err := readFrame(s, maxRequestFrame)
		if err != nil {
			return classifyH3(err)
		}
		if f.typ != frameHeaders {
			continue
		}
		st, err := decodeStatus(f.payload)
		if err != nil {
			return h3Answer{err: err}
		}
		if !strings.HasPrefix(st, "1") {
			return h3Answer{status: st}
		}
	}
}

// withSettings dials t with the default client SETTINGS, reads the server's
// SETTINGS and runs check on both; failing to get that far fails the case.
func (t *target) withSettings(ctx context.Context, check func(h *h3Conn, s map[uint64]uint64) outcome) outcome {
	h, err := t.dialH3(ctx, defaultSettings())
	if err != nil {
		return fail("%v", err)
	}
	defer h.close()
	s, err := h.serverSettings(ctx)
	if err != nil {
		return fail("%v", err)
	}
	return check(h, s)
}
