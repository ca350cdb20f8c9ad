package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/quic-go/quic-go/quicvarint"
)

// h3CloseWait is how long a check waits for a connection error.
const h3CloseWait = 3 * time.Second

func h3Suite() *suite {
	s := &suite{name: "h3", setup: func(ctx context.Context, t *target) string { return t.findH3(ctx) }}
	s.cases = append(s.cases, h3StreamCases()...)
	s.cases = append(s.cases, h3ControlCases()...)
	s.cases = append(s.cases, h3MessageCases()...)
	s.cases = append(s.cases, h3ConnectCases()...)
	return s
}

// h3StreamCases check what a well-behaved client sees and what must be ignored.
func h3StreamCases() []testCase {
	return []testCase{
		{"h3/control-stream", "RFC 9114 §6.2.1", "the server opens a control stream whose first frame is a valid SETTINGS",
			func(ctx context.Context, t *target) outcome {
				return t.withSettings(ctx, func(_ *h3Conn, s map[uint64]uint64) outcome {
					for _, id := range []uint64{0x02, 0x03, 0x04, 0x05} {
						if _, ok := s[id]; ok {
							return fail("SETTINGS carries HTTP/2 setting 0x%x", id)
						}
					}
					return pass("SETTINGS %v", s)
				})
			}},
		{"h3/qpack-streams", "RFC 9204 §4.2", "at most one QPACK encoder and one decoder stream, one control stream",
			func(ctx context.Context, t *target) outcome {
				h, err := t.dialH3(ctx, defaultSettings())
				if err != nil {
					return fail("%v", err)
				}
				defer h.close()
				if a := h.request(ctx, headersFrame(getFields(t)...), true); a.status == "" {
					return fail("GET: %v", a)
				}
				h.mu.Lock()
				defer h.mu.Unlock()
				for _, typ := range []uint64{streamControl, streamQPACKEnc, streamQPACKDec} {
					if h.uni[typ] > 1 {
						return fail("%d streams of type 0x%x", h.uni[typ], typ)
					}
				}
				return pass("control %d, encoder %d, decoder %d", h.uni[streamControl], h.uni[streamQPACKEnc], h.uni[streamQPACKDec])
			}},
		{"h3/get", "RFC 9114 §4.1", "a GET on a request stream gets HEADERS with :status, then the body",
			h3Request(nil, func(t *target) []byte { return headersFrame(getFields(t)...) })},
		{"h3/reserved-frame-request", "RFC 9114 §9", "a reserved frame type before HEADERS on a request stream is ignored",
			h3Request(nil, func(t *target) []byte {
				return append(appendFrame(nil, frameReserved, []byte("grease")), headersFrame(getFields(t)...)...)
			})},
		{"h3/reserved-frame-control", "RFC 9114 §9", "a reserved frame type on the control stream is ignored",
			h3Request(appendFrame(defaultSettings(), frameReserved+0x1f, []byte("grease")),
				func(t *target) []byte { return headersFrame(getFields(t)...) })},
		{"h3/reserved-setting", "RFC 9114 §7.2.4.1", "a reserved setting identifier is ignored",
			h3Request(appendSettings(nil, settingReserved, 7), func(t *target) []byte { return headersFrame(getFields(t)...) })},
		{"h3/reserved-stream-type", "RFC 9114 §6.2.3", "a unidirectional stream of reserved type is ignored; the connection works",
			func(ctx context.Context, t *target) outcome {
				h, err := t.dialH3(ctx, defaultSettings())
				if err != nil {
					return fail("%v", err)
				}
				defer h.close()
				s, err := h.qc.OpenUniStream()
				if err != nil {
					return fail("opening a stream: %v", err)
				}
				s.Write(quicvarint.Append(nil, streamReserved+0x1f))
				s.Write([]byte("grease"))
				s.Close()
				time.Sleep(100 * time.Millisecond)
				a := h.request(ctx, headersFrame(getFields(t)...), true)
				if a.status == "" {
					return fail("GET after it: %v", a)
				}
				return pass("GET after it: %v", a)
			}},
		{"h3/concurrent-streams", "RFC 9114 §6.1", "100 concurrent request streams are allowed and all answered",
			checkH3Concurrent},
		{"h3/goaway-from-client", "RFC 9114 §5.2", "after a client GOAWAY the server still answers a request already open",
			func(ctx context.Context, t *target) outcome {
				h, err := t.dialH3(ctx, defaultSettings())
				if err != nil {
					return fail("%v", err)
				}
				defer h.close()
				s, err := h.qc.OpenStreamSync(ctx)
				if err != nil {
					return fail("opening a stream: %v", err)
				}
				if dl, ok := ctx.Deadline(); ok {
					s.SetDeadline(dl)
				}
				s.Write(headersFrame(getFields(t)...))
				h.ctrl.Write(appendFrame(nil, frameGoaway, quicvarint.Append(nil, 0)))
				time.Sleep(50 * time.Millisecond)
				s.Close()
				a := readAnswer(s)
				if a.status == "" {
					return fail("%v", a)
				}
				return pass("%v", a)
			}},
	}
}

// h3Request is a check that frames on a request stream (after control, or
// the default SETTINGS) get a response.
func h3Request(control []byte, frames func(t *target) []byte) func(context.Context, *target) outcome {
	if control == nil {
		control = defaultSettings()
	}
	return func(ctx context.Context, t *target) outcome {
		h, err := t.dialH3(ctx, control)
		if err != nil {
			return fail("%v", err)
		}
		defer h.close()
		a := h.request(ctx, frames(t), true)
		if a.status == "" {
			return fail("%v", a)
		}
		return pass("%v", a)
	}
}

func checkH3Concurrent(ctx context.Context, t *target) outcome {
	h, err := t.dialH3(ctx, defaultSettings())
	if err != nil {
		return fail("%v", err)
	}
	defer h.close()
	const n = 100
	answers := make(chan h3Answer, n)
	for i := 0; i < n; i++ {
		s, err := h.qc.OpenStream() // no waiting: the limit must allow 100
		if err != nil {
			return fail("stream %d of %d could not open at once: %v", i+1, n, err)
		}
		if dl, ok := ctx.Deadline(); ok {
			s.SetDeadline(dl)
		}
		s.Write(headersFrame(getFields(t)...))
		s.Close()
		go func() { answers <- readAnswer(s) }()
	}
	for i := 0; i < n; i++ {
		if a := <-answers; a.status == "" {
			return fail("one of %d streams: %v", n, a)
		}
	}
	return pass("%d streams open at once, all answered", n)
}

// h3ConnError is a check that the connection, after control is written on
// the control stream and then act runs, is closed with code.
func h3ConnError(control []byte, act func(ctx context.Context, t *target, h *h3Conn) error, code uint64) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		h, err := t.dialH3(ctx, control)
		if err != nil {
			return fail("%v", err)
		}
		defer h.close()
		if act != nil {
			if err := act(ctx, t, h); err != nil {
				return fail("%v", err)
			}
		}
		got, seen := h.awaitClose(ctx, h3CloseWait)
		if got != code {
			h.mu.Lock()
			if h.streamSeen != "" && got == 0 {
				seen += "; the request stream saw " + h.streamSeen
			}
			h.mu.Unlock()
			return fail("%s; want %s", seen, h3ErrorName(code))
		}
		return pass("%s", seen)
	}
}

// openUni opens a unidirectional stream and writes b on it.
func openUni(h *h3Conn, b []byte, fin bool) error {
	s, err := h.qc.OpenUniStream()
	if err != nil {
		return fmt.Errorf("opening a stream: %v", err)
	}
	if _, err := s.Write(b); err != nil {
		return fmt.Errorf("writing: %v", err)
	}
	if fin {
		s.Close()
	}
	return nil
}

// sendRequest opens a request stream, writes b and leaves it open; how the
// server answers the stream is recorded for the report.
func sendRequest(ctx context.Context, h *h3Conn, b []byte) error {
	s, err := h.qc.OpenStreamSync(ctx)
	if err != nil {
		return fmt.Errorf("opening a stream: %v", err)
	}
	if _, err = s.Write(b); err != nil {
		return err
	}
	go func() {
		a := readAnswer(s)
		h.mu.Lock()
		h.streamSeen = a.String()
		h.mu.Unlock()
	}()
	return nil
}

func h3ControlCases() []testCase {
	settings := defaultSettings()
	ctrlFrame := func(b []byte) func(context.Context, *target, *h3Conn) error {
		return func(_ context.Context, _ *target, h *h3Conn) error { _, err := h.ctrl.Write(b); return err }
	}
	return []testCase{
		{"h3/missing-settings", "RFC 9114 §6.2.1", "a control stream starting with GOAWAY, not SETTINGS: H3_MISSING_SETTINGS",
			h3ConnError(appendFrame(nil, frameGoaway, quicvarint.Append(nil, 0)), nil, errH3MissingSett)},
		{"h3/settings-twice", "RFC 9114 §7.2.4", "a second SETTINGS frame: H3_FRAME_UNEXPECTED",
			h3ConnError(appendSettings(settings), nil, errH3FrameUnexp)},
		{"h3/h2-setting", "RFC 9114 §7.2.4.1", "an HTTP/2 setting identifier (0x02) in SETTINGS: H3_SETTINGS_ERROR",
			h3ConnError(appendSettings(nil, settingH2Push, 0), nil, errH3Settings)},
		{"h3/settings-truncated", "RFC 9114 §7.1", "a SETTINGS frame ending inside a setting: H3_FRAME_ERROR",
			h3ConnError(appendFrame(nil, frameSettings, []byte{settingMaxField}), nil, errH3FrameError)},
		{"h3/second-control-stream", "RFC 9114 §6.2.1", "a second control stream: H3_STREAM_CREATION_ERROR",
			h3ConnError(settings, func(_ context.Context, _ *target, h *h3Conn) error {
				return openUni(h, append([]byte{streamControl}, settings...), false)
			}, errH3StreamCreat)},
		{"h3/control-stream-closed", "RFC 9114 §6.2.1", "the client closing its control stream: H3_CLOSED_CRITICAL_STREAM",
			h3ConnError(settings, func(_ context.Context, _ *target, h *h3Conn) error { return h.ctrl.Close() }, errH3ClosedCrit)},
		{"h3/data-on-control", "RFC 9114 §7.2.1", "a DATA frame on the control stream: H3_FRAME_UNEXPECTED",
			h3ConnError(settings, ctrlFrame(appendFrame(nil, frameData, []byte("x"))), errH3FrameUnexp)},
		{"h3/headers-on-control", "RFC 9114 §7.2.2", "a HEADERS frame on the control stream: H3_FRAME_UNEXPECTED",
			h3ConnError(settings, func(_ context.Context, t *target, h *h3Conn) error {
				_, err := h.ctrl.Write(headersFrame(getFields(t)...))
				return err
			}, errH3FrameUnexp)},
		{"h3/h2-frame-type", "RFC 9114 §7.2.8", "HTTP/2's PING frame type (0x06): H3_FRAME_UNEXPECTED",
			h3ConnError(settings, ctrlFrame(appendFrame(nil, frameH2Ping, make([]byte, 8))), errH3FrameUnexp)},
		{"h3/goaway-increase", "RFC 9114 §5.2", "a GOAWAY with a larger id than the previous one: H3_ID_ERROR",
			h3ConnError(settings, ctrlFrame(appendFrame(appendFrame(nil, frameGoaway, quicvarint.Append(nil, 4)),
				frameGoaway, quicvarint.Append(nil, 8))), errH3IDError)},
		{"h3/push-stream-from-client", "RFC 9114 §6.2.2", "a client-initiated push stream: H3_STREAM_CREATION_ERROR",
			h3ConnError(settings, func(_ context.Context, _ *target, h *h3Conn) error {
				return openUni(h, []byte{streamPush, 0x00}, false)
			}, errH3StreamCreat)},
		{"h3/data-before-headers", "RFC 9114 §4.1", "DATA before HEADERS on a request stream: H3_FRAME_UNEXPECTED",
			h3ConnError(settings, func(ctx context.Context, _ *target, h *h3Conn) error {
				return sendRequest(ctx, h, appendFrame(nil, frameData, []byte("x")))
			}, errH3FrameUnexp)},
		{"h3/settings-on-request", "RFC 9114 §7.2.4", "SETTINGS on a request stream: H3_FRAME_UNEXPECTED",
			h3ConnError(settings, func(ctx context.Context, _ *target, h *h3Conn) error {
				return sendRequest(ctx, h, appendSettings(nil))
			}, errH3FrameUnexp)},
		{"h3/qpack-dynamic-ref", "RFC 9204 §4.5.1.1", "a field section needing a dynamic table the server did not allow: QPACK_DECOMPRESSION_FAILED",
			h3ConnError(settings, func(ctx context.Context, _ *target, h *h3Conn) error {
				// Required Insert Count 1, Base 0, indexed field line 0 in the dynamic table.
				return sendRequest(ctx, h, appendFrame(nil, frameHeaders, []byte{0x02, 0x00, 0x80}))
			}, errQPACKDecomp)},
	}
}
