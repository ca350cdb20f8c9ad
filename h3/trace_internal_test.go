package h3

import (
	"testing"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	h3qlog "github.com/quic-go/quic-go/http3/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
	"github.com/quic-go/quic-go/qlogwriter/jsontext"
	"github.com/quic-go/quic-go/quicvarint"
)

// events is a qlogwriter.Recorder keeping what it is given.
type events []qlogwriter.Event

func (e *events) RecordEvent(ev qlogwriter.Event) { *e = append(*e, ev) }
func (e *events) Close() error                    { return nil }

// The scanner finds the frames of a response written in pieces: HEADERS
// and the start of DATA in one write, the rest of DATA in the next, then
// the trailers; it records each frame once, with its length.
func TestFrameScanner(t *testing.T) {
	var w responseWriter
	head := w.appendHeaders(nil, 200, map[string][]string{"Content-Type": {"text/plain"}}, true)
	body := make([]byte, 3000)
	first := appendFrameHeader(append([]byte(nil), head...), frameData, len(body))
	first = append(first, body[:1000]...)
	trailers := appendFrameHeader(nil, frameHeaders, 0)
	var got events
	var s frameScanner
	for _, piece := range [][]byte{first, body[1000:2000], body[2000:], trailers} {
		s.created(&got, 4, piece)
	}
	if len(got) != 3 {
		t.Fatalf("recorded %d frames; want 3 (HEADERS, DATA, HEADERS): %v", len(got), got)
	}
	want := []struct {
		frame any
		n     int
	}{{h3qlog.HeadersFrame{}, len(head) - 2}, {h3qlog.DataFrame{}, len(body)}, {h3qlog.HeadersFrame{}, 0}}
	for i, ev := range got {
		fc, ok := ev.(h3qlog.FrameCreated)
		if !ok || fc.StreamID != 4 {
			t.Fatalf("event %d = %#v; want FrameCreated on stream 4", i, ev)
		}
		if fc.Raw.PayloadLength != want[i].n {
			t.Errorf("frame %d payload length = %d; want %d", i, fc.Raw.PayloadLength, want[i].n)
		}
		if _, isData := fc.Frame.Frame.(h3qlog.DataFrame); isData != (i == 1) {
			t.Errorf("frame %d = %T", i, fc.Frame.Frame)
		}
	}
	hf := got[0].(h3qlog.FrameCreated).Frame.Frame.(h3qlog.HeadersFrame)
	if len(hf.HeaderFields) < 2 || hf.HeaderFields[0] != (h3qlog.HeaderField{Name: ":status", Value: "200"}) {
		t.Errorf("HEADERS fields = %v; want :status 200 first", hf.HeaderFields)
	}
}

// Whatever a client sends, the qlog description of a frame neither panics
// nor produces an event the qlog writer cannot encode; trio's own
// SETTINGS come out as sent.
func FuzzQlogFrame(f *testing.F) {
	settings := appendSettingsFrame(nil, 1<<20)
	f.Add(uint64(frameSettings), settings[2:])
	f.Add(uint64(frameGoaway), quicvarint.Append(nil, 8))
	var hb []byte
	enc := qpack.NewEncoder((*appender)(&hb))
	enc.WriteField(qpack.HeaderField{Name: ":method", Value: "GET"})
	f.Add(uint64(frameHeaders), hb)
	f.Add(uint64(frameData), []byte("x"))
	f.Add(uint64(0x21), []byte{})
	f.Fuzz(func(t *testing.T, typ uint64, p []byte) {
		fr := qlogFrame(typ, p)
		ev := h3qlog.FrameParsed{StreamID: quic.StreamID(0), Raw: rawInfo(typ, uint64(len(p))), Frame: fr}
		enc := jsontext.NewEncoder(discard{})
		if err := ev.Encode(enc, time.Now()); err != nil {
			t.Fatalf("encoding %#v: %v", ev, err)
		}
	})
}

func TestQlogSettings(t *testing.T) {
	p := appendSettingsFrame(nil, 4096)[2:]
	s := qlogSettings(p)
	if s.MaxFieldSectionSize != 4096 || s.ExtendedConnect != 1 || s.Datagram != -1 {
		t.Errorf("qlogSettings = %+v; want MaxFieldSectionSize 4096, ExtendedConnect 1, Datagram unset", s)
	}
	if s.Other[settingQPACKMaxTableCapacity] != 0 || len(s.Other) != 3 {
		t.Errorf("other settings = %v; want QPACK capacity, blocked streams and GREASE", s.Other)
	}
	if cut := qlogSettings(p[:len(p)-1]); cut.ExtendedConnect != 1 {
		t.Errorf("a SETTINGS cut inside its last setting lost the earlier ones: %+v", cut)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
