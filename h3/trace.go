package h3

import (
	"context"

	"github.com/quic-go/quic-go"
	h3qlog "github.com/quic-go/quic-go/http3/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
	"github.com/quic-go/quic-go/quicvarint"
)

// A Tracer returns the qlog trace of a new QUIC connection, as
// quic.Config.Tracer does, or nil to trace none. See [Config.Tracer].
type Tracer func(ctx context.Context, isClient bool, connID quic.ConnectionID) qlogwriter.Trace

// Tracing. With Config.Tracer set, quic-go records each connection's QUIC
// events (packets sent, received and lost, the frames in them, streams,
// the connection's end) into the trace the Tracer returns. quic-go's http3
// adds the HTTP/3 frames it parses and creates (http3/qlog); trio's engine
// adds the same events, so either engine's trace shows them, and qlog
// viewers such as qvis read both. Without a Tracer, qc.QlogTrace is nil
// and none of this runs.

// newQlog returns a recorder for qc's HTTP/3 events, or nil when qc is
// not traced.
func newQlog(qc *quic.Conn) qlogwriter.Recorder {
	if t := qc.QlogTrace(); t != nil {
		return t.AddProducer()
	}
	return nil
}

// closeQlog closes c's recorder, if any, once nothing records any more.
func (c *conn) closeQlog() {
	if c.qlog != nil {
		c.qlog.Close()
	}
}

// qlogStreamType records the type of a unidirectional stream.
func (c *conn) qlogStreamType(id quic.StreamID, typ uint64, local bool) {
	e := h3qlog.StreamTypeSet{Initiator: h3qlog.InitiatorRemote, StreamID: id}
	if local {
		e.Initiator = h3qlog.InitiatorLocal
	}
	switch typ {
	case streamControl:
		e.StreamType = h3qlog.StreamTypeControl
	case streamPush:
		e.StreamType = h3qlog.StreamTypePush
	case streamQPACKEncoder:
		e.StreamType = h3qlog.StreamTypeQPACKEncode
	case streamQPACKDecoder:
		e.StreamType = h3qlog.StreamTypeQPACKDecode
	default:
		e.StreamType, e.StreamTypeBytes = h3qlog.StreamTypeUnknown, typ
	}
	c.qlog.RecordEvent(e)
}

// traceOn makes fr record the frames it reads on stream id into c's
// trace, if c is traced.
func (fr *frameReader) traceOn(c *conn, id quic.StreamID) {
	fr.qlog, fr.id = c.qlog, id
}

// wholeFrame reports the frame types whose payload the engine reads in
// one piece with payload: they are recorded then, with what they say.
func wholeFrame(typ uint64) bool {
	switch typ {
	case frameHeaders, frameSettings, frameGoaway, frameMaxPushID, frameCancelPush:
		return true
	}
	return false
}

// parsed records a frame header just read; frames read whole wait for
// their payload.
func (fr *frameReader) parsed(typ, n uint64) {
	fr.typ = typ
	if wholeFrame(typ) {
		return
	}
	fr.qlog.RecordEvent(h3qlog.FrameParsed{StreamID: fr.id, Raw: rawInfo(typ, n), Frame: qlogFrame(typ, nil)})
}

// parsedPayload records the frame whose payload p was just read.
func (fr *frameReader) parsedPayload(p []byte) {
	if wholeFrame(fr.typ) {
		fr.qlog.RecordEvent(h3qlog.FrameParsed{StreamID: fr.id, Raw: rawInfo(fr.typ, uint64(len(p))), Frame: qlogFrame(fr.typ, p)})
	}
}

// A frameScanner records the frames of a stream's outgoing bytes, given
// in the pieces they are written in: each piece starts with a whole frame
// header, or continues the payload of the frame before.
type frameScanner struct {
	skip uint64 // payload bytes of the last frame still to come
}

// created records the frames starting in b, written to stream id.
func (s *frameScanner) created(rec qlogwriter.Recorder, id quic.StreamID, b []byte) {
	for len(b) > 0 {
		if s.skip > 0 {
			k := min(s.skip, uint64(len(b)))
			s.skip -= k
			b = b[k:]
			continue
		}
		typ, n1, err := quicvarint.Parse(b)
		if err != nil {
			return
		}
		length, n2, err := quicvarint.Parse(b[n1:])
		if err != nil {
			return
		}
		b = b[n1+n2:]
		var payload []byte
		if length <= uint64(len(b)) {
			payload, b = b[:length], b[length:]
		} else {
			s.skip = length - uint64(len(b))
			b = nil
		}
		rec.RecordEvent(h3qlog.FrameCreated{StreamID: id, Raw: rawInfo(typ, length), Frame: qlogFrame(typ, payload)})
	}
}

// createdData records a DATA frame of n bytes written to stream id.
func createdData(rec qlogwriter.Recorder, id quic.StreamID, n int) {
	rec.RecordEvent(h3qlog.FrameCreated{StreamID: id, Raw: rawInfo(frameData, uint64(n)), Frame: h3qlog.Frame{Frame: h3qlog.DataFrame{}}})
}

// rawInfo is the length of a frame with a payload of n bytes, header
// included, and n.
func rawInfo(typ, n uint64) h3qlog.RawInfo {
	return h3qlog.RawInfo{Length: quicvarint.Len(typ) + quicvarint.Len(n) + int(n), PayloadLength: int(n)}
}

// qlogFrame describes a frame of type typ; p is its payload if the type
// says something there (HEADERS, SETTINGS, GOAWAY) and it is at hand.
func qlogFrame(typ uint64, p []byte) h3qlog.Frame {
	switch {
	case typ == frameData:
		return h3qlog.Frame{Frame: h3qlog.DataFrame{}}
	case typ == frameHeaders:
		var hf []h3qlog.HeaderField
		if fields, err := decodeFields(p, 1<<20); err == nil {
			hf = make([]h3qlog.HeaderField, len(fields))
			for i, f := range fields {
				hf[i] = h3qlog.HeaderField{Name: f.Name, Value: f.Value}
			}
		}
		return h3qlog.Frame{Frame: h3qlog.HeadersFrame{HeaderFields: hf}}
	case typ == frameSettings:
		return h3qlog.Frame{Frame: qlogSettings(p)}
	case typ == frameGoaway:
		id, _ := parseVarintPayload(p)
		return h3qlog.Frame{Frame: h3qlog.GoAwayFrame{StreamID: quic.StreamID(id)}}
	case typ == frameMaxPushID:
		return h3qlog.Frame{Frame: h3qlog.MaxPushIDFrame{}}
	case typ == frameCancelPush:
		return h3qlog.Frame{Frame: h3qlog.CancelPushFrame{}}
	case typ == framePushPromise:
		return h3qlog.Frame{Frame: h3qlog.PushPromiseFrame{}}
	case typ == framePriorityUpdate:
		return h3qlog.Frame{Frame: h3qlog.PriorityUpdateFrame{}}
	case isReservedFrame(typ):
		return h3qlog.Frame{Frame: h3qlog.ReservedFrame{Type: typ}}
	}
	return h3qlog.Frame{Frame: h3qlog.UnknownFrame{Type: typ}}
}

// qlogSettings describes a SETTINGS payload as far as it parses.
func qlogSettings(p []byte) h3qlog.SettingsFrame {
	s := h3qlog.SettingsFrame{MaxFieldSectionSize: -1, Datagram: -1, ExtendedConnect: -1}
	for len(p) > 0 {
		id, n, err := quicvarint.Parse(p)
		if err != nil {
			break
		}
		val, m, err := quicvarint.Parse(p[n:])
		if err != nil {
			break
		}
		p = p[n+m:]
		switch id {
		case settingMaxFieldSectionSize:
			s.MaxFieldSectionSize = int64(val)
		case settingH3Datagram:
			s.Datagram = int64(val)
		case settingEnableConnectProtocol:
			s.ExtendedConnect = int64(val)
		default:
			if s.Other == nil {
				s.Other = make(map[uint64]uint64)
			}
			s.Other[id] = val
		}
	}
	return s
}
