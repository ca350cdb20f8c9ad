package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	h3qlog "github.com/quic-go/quic-go/http3/qlog"
	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"

	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

// A tracePrinter prints what `trio serve --trace` shows, one line per
// event, as it happens: HTTP/2 frames read and written, and for HTTP/3
// the QUIC packets sent, received and lost (with the frames in them), the
// HTTP/3 frames, and the connection's start, handshake and end.
//
//	17:02:03.120 h2 127.0.0.1:50312 <- HEADERS      stream=1 END_STREAM|END_HEADERS len=40 :method=GET :path=/
//	17:02:03.131 h3 127.0.0.1:41077 -> packet 1RTT #7 1252 B: STREAM(id=0 off=0 len=1200) ACK(1-6)
type tracePrinter struct {
	mu sync.Mutex
	w  io.Writer
}

// line prints one event of connection conn ("h2 addr" or "h3 addr").
func (p *tracePrinter) line(conn, arrow, text string) {
	now := time.Now().Format("15:04:05.000")
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s %s %s %s\n", now, conn, arrow, text)
}

// Arrows: what the server read, and what it wrote.
const (
	arrowIn   = "<-"
	arrowOut  = "->"
	arrowNote = "  "
)

// h2 is the h2.Tracer of --trace.
func (p *tracePrinter) h2(conn string, dir byte, f h2.FrameInfo) {
	arrow := arrowIn
	if dir == h2.TraceWrite {
		arrow = arrowOut
	}
	text := fmt.Sprintf("%-13s stream=%d", f.Type, f.StreamID)
	if fl := f.FlagNames(); fl != "" {
		text += " " + fl
	}
	text += fmt.Sprintf(" len=%d", f.Length)
	if f.Fields != "" {
		text += " " + f.Fields
	}
	p.line("h2 "+conn, arrow, text)
}

// h3Tracer returns the h3.Tracer of --trace and --qlog: a line trace if p
// is set, qlog files in dir if that is set, or both.
func h3Tracer(p *tracePrinter, dir string, errLog io.Writer) h3.Tracer {
	return func(ctx context.Context, isClient bool, id quic.ConnectionID) qlogwriter.Trace {
		var traces multiTrace
		if p != nil {
			traces = append(traces, &lineTrace{p: p, conn: "h3 " + id.String()})
		}
		if dir != "" {
			if t, err := qlogFile(dir, isClient, id); err != nil {
				fmt.Fprintf(errLog, "trio: --qlog: %v\n", err)
			} else {
				traces = append(traces, t)
			}
		}
		switch len(traces) {
		case 0:
			return nil
		case 1:
			return traces[0]
		}
		return traces
	}
}

// A multiTrace records every event into each of its traces.
type multiTrace []qlogwriter.Trace

func (m multiTrace) AddProducer() qlogwriter.Recorder {
	var rs multiRecorder
	for _, t := range m {
		if r := t.AddProducer(); r != nil {
			rs = append(rs, r)
		}
	}
	return rs
}

type multiRecorder []qlogwriter.Recorder

func (m multiRecorder) RecordEvent(e qlogwriter.Event) {
	for _, r := range m {
		r.RecordEvent(e)
	}
}

func (m multiRecorder) Close() error {
	var errs []error
	for _, r := range m {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// A lineTrace prints the events of one QUIC connection. It names the
// connection by its original destination connection ID until
// connection_started gives the client's address.
type lineTrace struct {
	p    *tracePrinter
	mu   sync.Mutex
	conn string
}

func (t *lineTrace) AddProducer() qlogwriter.Recorder { return lineRecorder{t} }

type lineRecorder struct{ t *lineTrace }

func (r lineRecorder) Close() error { return nil }

func (r lineRecorder) RecordEvent(e qlogwriter.Event) {
	t := r.t
	if sc, ok := e.(qlog.StartedConnection); ok {
		addr := sc.Remote.IPv4
		if !addr.IsValid() {
			addr = sc.Remote.IPv6
		}
		t.mu.Lock()
		t.conn = "h3 " + addr.String()
		t.mu.Unlock()
	}
	arrow, text := describeQUIC(e)
	if text == "" {
		return
	}
	t.mu.Lock()
	conn := t.conn
	t.mu.Unlock()
	t.p.line(conn, arrow, text)
}

// describeQUIC is the line for a QUIC or HTTP/3 qlog event, or "" for
// the events --trace leaves to qlog files (congestion metrics, timers,
// keys).
func describeQUIC(e qlogwriter.Event) (arrow, text string) {
	switch e := e.(type) {
	case qlog.StartedConnection:
		return arrowNote, "QUIC connection started"
	case qlog.ConnectionStateUpdated:
		return arrowNote, "QUIC state " + string(e.State)
	case qlog.PacketReceived:
		return arrowIn, packetLine(e.Header, e.Raw.Length, e.Frames)
	case qlog.PacketSent:
		return arrowOut, packetLine(e.Header, e.Raw.Length, e.Frames)
	case qlog.PacketLost:
		return arrowOut, fmt.Sprintf("packet %s #%d LOST (%s): its frames are sent again in new packets", e.Header.PacketType, e.Header.PacketNumber, e.Trigger)
	case qlog.SpuriousLoss:
		return arrowOut, fmt.Sprintf("packet #%d was not lost after all (acknowledged late)", e.PacketNumber)
	case qlog.PacketDropped:
		return arrowIn, fmt.Sprintf("packet %s dropped (%s)", e.Header.PacketType, e.Trigger)
	case qlog.ConnectionClosed:
		return arrowNote, closedLine(e)
	case h3qlog.FrameParsed:
		return arrowIn, h3FrameLine(e.StreamID, e.Raw, e.Frame.Frame)
	case h3qlog.FrameCreated:
		return arrowOut, h3FrameLine(e.StreamID, e.Raw, e.Frame.Frame)
	case h3qlog.StreamTypeSet:
		arrow := arrowIn
		if e.Initiator == h3qlog.InitiatorLocal {
			arrow = arrowOut
		}
		return arrow, fmt.Sprintf("HTTP/3 stream %d is the %s stream", e.StreamID, e.StreamType)
	}
	return "", ""
}

func closedLine(e qlog.ConnectionClosed) string {
	s := "QUIC connection closed by " + string(e.Initiator)
	switch {
	case e.ApplicationError != nil:
		s += fmt.Sprintf(" (HTTP/3 code 0x%x)", uint64(*e.ApplicationError))
	case e.ConnectionError != nil:
		s += fmt.Sprintf(" (QUIC code 0x%x)", uint64(*e.ConnectionError))
	}
	if e.Trigger != "" {
		s += " (" + string(e.Trigger) + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// packetLine describes a QUIC packet and the frames in it.
func packetLine(h qlog.PacketHeader, size int, frames []qlog.Frame) string {
	var b strings.Builder
	fmt.Fprintf(&b, "packet %s #%d %d B:", h.PacketType, h.PacketNumber, size)
	for _, f := range frames {
		b.WriteByte(' ')
		b.WriteString(quicFrame(f.Frame))
	}
	return b.String()
}

// quicFrame describes a QUIC frame in a few words.
func quicFrame(f any) string {
	switch f := f.(type) {
	case *qlog.StreamFrame:
		s := fmt.Sprintf("STREAM(id=%d off=%d len=%d", f.StreamID, f.Offset, f.Length)
		if f.Fin {
			s += " fin"
		}
		return s + ")"
	case *qlog.AckFrame:
		var rs []string
		for _, r := range f.AckRanges {
			if r.Smallest == r.Largest {
				rs = append(rs, fmt.Sprint(r.Largest))
			} else {
				rs = append(rs, fmt.Sprintf("%d-%d", r.Smallest, r.Largest))
			}
		}
		return "ACK(" + strings.Join(rs, ",") + ")"
	case *qlog.CryptoFrame:
		return fmt.Sprintf("CRYPTO(off=%d len=%d)", f.Offset, f.Length)
	case *qlog.ResetStreamFrame:
		return fmt.Sprintf("RESET_STREAM(id=%d code=0x%x)", f.StreamID, uint64(f.ErrorCode))
	case *qlog.StopSendingFrame:
		return fmt.Sprintf("STOP_SENDING(id=%d code=0x%x)", f.StreamID, uint64(f.ErrorCode))
	case *qlog.MaxStreamDataFrame:
		return fmt.Sprintf("MAX_STREAM_DATA(id=%d max=%d)", f.StreamID, f.MaximumStreamData)
	case *qlog.MaxDataFrame:
		return fmt.Sprintf("MAX_DATA(%d)", f.MaximumData)
	case *qlog.MaxStreamsFrame:
		return fmt.Sprintf("MAX_STREAMS(%d)", f.MaxStreamNum)
	case *qlog.ConnectionCloseFrame:
		return fmt.Sprintf("CONNECTION_CLOSE(code=0x%x)", f.ErrorCode)
	case *qlog.PingFrame:
		return "PING"
	case *qlog.HandshakeDoneFrame:
		return "HANDSHAKE_DONE"
	case *qlog.NewConnectionIDFrame:
		return "NEW_CONNECTION_ID"
	case *qlog.NewTokenFrame:
		return "NEW_TOKEN"
	case *qlog.DatagramFrame:
		return fmt.Sprintf("DATAGRAM(len=%d)", f.Length)
	}
	return frameTypeName(f)
}

// frameTypeName turns a frame's Go type into the protocol's name:
// *qlog.RetireConnectionIDFrame is RETIRE_CONNECTION_ID.
func frameTypeName(f any) string {
	name := fmt.Sprintf("%T", f)
	name = strings.TrimSuffix(name[strings.LastIndexByte(name, '.')+1:], "Frame")
	var b strings.Builder
	for i, r := range name {
		if i > 0 && 'A' <= r && r <= 'Z' && 'a' <= name[i-1] && name[i-1] <= 'z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// h3FrameLine describes an HTTP/3 frame.
func h3FrameLine(id quic.StreamID, raw h3qlog.RawInfo, f any) string {
	name, what := "", ""
	switch f := f.(type) {
	case h3qlog.DataFrame:
		name = "DATA"
	case h3qlog.HeadersFrame:
		name = "HEADERS"
		var fs []string
		for _, hf := range f.HeaderFields {
			if strings.HasPrefix(hf.Name, ":") || hf.Name == "content-type" || hf.Name == "content-length" {
				fs = append(fs, hf.Name+"="+hf.Value)
			}
		}
		what = strings.Join(fs, " ")
	case h3qlog.SettingsFrame:
		name = "SETTINGS"
		var fs []string
		if f.MaxFieldSectionSize >= 0 {
			fs = append(fs, fmt.Sprintf("MAX_FIELD_SECTION_SIZE=%d", f.MaxFieldSectionSize))
		}
		if f.ExtendedConnect >= 0 {
			fs = append(fs, fmt.Sprintf("ENABLE_CONNECT_PROTOCOL=%d", f.ExtendedConnect))
		}
		if f.Datagram >= 0 {
			fs = append(fs, fmt.Sprintf("H3_DATAGRAM=%d", f.Datagram))
		}
		what = strings.Join(fs, " ")
	case h3qlog.GoAwayFrame:
		name, what = "GOAWAY", fmt.Sprintf("id=%d", f.StreamID)
	case h3qlog.PriorityUpdateFrame:
		name = "PRIORITY_UPDATE"
	case h3qlog.ReservedFrame:
		name = fmt.Sprintf("reserved(0x%x)", f.Type)
	case h3qlog.UnknownFrame:
		name = fmt.Sprintf("unknown(0x%x)", f.Type)
	default:
		name = frameTypeName(f)
	}
	s := fmt.Sprintf("HTTP/3 %-8s stream=%d", name, id)
	if raw.PayloadLength != h3qlog.OmitLength {
		s += fmt.Sprintf(" len=%d", raw.PayloadLength)
	}
	if what != "" {
		s += " " + what
	}
	return s
}
