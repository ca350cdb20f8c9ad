package h2

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Directions of a traced frame.
const (
	TraceRead  byte = 'r' // read from the client
	TraceWrite byte = 'w' // written to the client
)

// A Tracer is told of each frame trio's engine reads from a connection or
// writes to it, as it happens: conn is the client's address, dir
// [TraceRead] or [TraceWrite]. It is called from a connection's reading
// goroutine and its writing goroutine, possibly at once, and must not
// block. See [Config.Trace].
type Tracer func(conn string, dir byte, f FrameInfo)

// A FrameInfo describes one HTTP/2 frame for a [Tracer].
type FrameInfo struct {
	Type     http2.FrameType // its String is the frame's name: "HEADERS", "DATA", ...
	Flags    http2.Flags     // see FlagNames
	StreamID uint32
	Length   int // payload length
	// Fields is what the frame says, in a few words: the header fields
	// of HEADERS (the pseudo-header fields and content-type), the
	// parameters of SETTINGS, the increment of WINDOW_UPDATE, the error
	// code of RST_STREAM and GOAWAY. A HEADERS read from the client covers
	// its CONTINUATION frames, which are not traced on their own.
	Fields string
}

// FlagNames names f's flags as its frame type defines them, such as
// "END_STREAM|END_HEADERS"; "" if none is set.
func (f FrameInfo) FlagNames() string {
	var names []string
	add := func(flag http2.Flags, name string) {
		if f.Flags.Has(flag) {
			names = append(names, name)
		}
	}
	switch f.Type {
	case http2.FrameData:
		add(http2.FlagDataEndStream, "END_STREAM")
		add(http2.FlagDataPadded, "PADDED")
	case http2.FrameHeaders:
		add(http2.FlagHeadersEndStream, "END_STREAM")
		add(http2.FlagHeadersEndHeaders, "END_HEADERS")
		add(http2.FlagHeadersPadded, "PADDED")
		add(http2.FlagHeadersPriority, "PRIORITY")
	case http2.FrameSettings:
		add(http2.FlagSettingsAck, "ACK")
	case http2.FramePing:
		add(http2.FlagPingAck, "ACK")
	case http2.FrameContinuation:
		add(http2.FlagContinuationEndHeaders, "END_HEADERS")
	}
	return strings.Join(names, "|")
}

// A tracer follows one connection for Config.Trace. The reading
// goroutine calls read and readHeaders, the writing goroutine written;
// what each touches is its own.
type tracer struct {
	fn   Tracer
	conn string

	// Writer-only: the server's header blocks, decoded again to show
	// them. The decoder sees every block the encoder made, in order, so
	// its dynamic table follows the encoder's.
	dec    *hpack.Decoder
	fields []hpack.HeaderField
	block  []byte // fragments of a header block awaiting END_HEADERS
	first  FrameInfo
}

// newTracer returns a tracer calling fn, or nil if fn is nil.
func newTracer(fn Tracer, conn string) *tracer {
	if fn == nil {
		return nil
	}
	t := &tracer{fn: fn, conn: conn}
	t.dec = hpack.NewDecoder(4096, func(f hpack.HeaderField) { t.fields = append(t.fields, f) })
	return t
}

// read traces a frame read from the client; HEADERS are traced by
// readHeaders once decoded.
func (t *tracer) read(f http2.Frame) {
	fh := f.Header()
	if fh.Type == http2.FrameHeaders {
		return
	}
	t.fn(t.conn, TraceRead, FrameInfo{Type: fh.Type, Flags: fh.Flags, StreamID: fh.StreamID,
		Length: int(fh.Length), Fields: readFields(f)})
}

// readHeaders traces a HEADERS frame read from the client with the fields
// the connection decoded from its header block.
func (t *tracer) readHeaders(f *http2.HeadersFrame, fields []hpack.HeaderField) {
	fh := f.Header()
	t.fn(t.conn, TraceRead, FrameInfo{Type: fh.Type, Flags: fh.Flags, StreamID: fh.StreamID,
		Length: int(fh.Length), Fields: headerFields(fields)})
}

// readFields describes a frame read, other than HEADERS.
func readFields(f http2.Frame) string {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		var b strings.Builder
		f.ForeachSetting(func(s http2.Setting) error {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%v=%d", s.ID, s.Val)
			return nil
		})
		return b.String()
	case *http2.WindowUpdateFrame:
		return fmt.Sprintf("increment=%d", f.Increment)
	case *http2.RSTStreamFrame:
		return "code=" + f.ErrCode.String()
	case *http2.GoAwayFrame:
		return fmt.Sprintf("last_stream=%d code=%v", f.LastStreamID, f.ErrCode)
	case *http2.PingFrame:
		return fmt.Sprintf("data=%x", f.Data)
	case *http2.PriorityFrame:
		return fmt.Sprintf("depends_on=%d weight=%d", f.StreamDep, int(f.Weight)+1)
	}
	return ""
}

// written traces the frames in p, which the writer is about to write:
// whole frames, as the connection queues them.
func (t *tracer) written(p []byte) {
	for len(p) >= frameHeaderLen {
		n := int(p[0])<<16 | int(p[1])<<8 | int(p[2])
		if len(p) < frameHeaderLen+n {
			return
		}
		fi := FrameInfo{Type: http2.FrameType(p[3]), Flags: http2.Flags(p[4]),
			StreamID: binary.BigEndian.Uint32(p[5:]) & 0x7fffffff, Length: n}
		payload := p[frameHeaderLen : frameHeaderLen+n]
		p = p[frameHeaderLen+n:]
		switch fi.Type {
		case http2.FrameHeaders:
			t.first, t.block = fi, append(t.block[:0], payload...)
			if fi.Flags.Has(http2.FlagHeadersEndHeaders) {
				t.headersWritten()
			}
			continue
		case http2.FrameContinuation:
			t.block = append(t.block, payload...)
			if fi.Flags.Has(http2.FlagContinuationEndHeaders) {
				t.headersWritten()
			}
			continue
		}
		fi.Fields = writtenFields(fi.Type, payload)
		t.fn(t.conn, TraceWrite, fi)
	}
}

// headersWritten traces a HEADERS frame once its block is complete.
func (t *tracer) headersWritten() {
	t.fields = t.fields[:0]
	fi := t.first
	if _, err := t.dec.Write(t.block); err != nil {
		fi.Fields = "(undecodable: " + err.Error() + ")"
	} else {
		fi.Fields = headerFields(t.fields)
	}
	t.fn(t.conn, TraceWrite, fi)
}

// writtenFields describes a frame the server wrote, other than HEADERS,
// from its payload.
func writtenFields(typ http2.FrameType, p []byte) string {
	switch {
	case typ == http2.FrameSettings:
		var b strings.Builder
		for ; len(p) >= 6; p = p[6:] {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%v=%d", http2.SettingID(binary.BigEndian.Uint16(p)), binary.BigEndian.Uint32(p[2:]))
		}
		return b.String()
	case typ == http2.FrameWindowUpdate && len(p) == 4:
		return fmt.Sprintf("increment=%d", binary.BigEndian.Uint32(p)&0x7fffffff)
	case typ == http2.FrameRSTStream && len(p) == 4:
		return "code=" + http2.ErrCode(binary.BigEndian.Uint32(p)).String()
	case typ == http2.FrameGoAway && len(p) >= 8:
		s := fmt.Sprintf("last_stream=%d code=%v", binary.BigEndian.Uint32(p)&0x7fffffff, http2.ErrCode(binary.BigEndian.Uint32(p[4:])))
		if len(p) > 8 {
			s += fmt.Sprintf(" debug=%q", p[8:])
		}
		return s
	case typ == http2.FramePing && len(p) == 8:
		return fmt.Sprintf("data=%x", p)
	}
	return ""
}

// tracedFields are the regular header fields a trace shows beside the
// pseudo-header fields.
var tracedFields = map[string]bool{"content-type": true, "content-length": true, "content-encoding": true, "location": true}

// headerFields describes a header list: the pseudo-header fields and a few
// telling regular ones.
func headerFields(fields []hpack.HeaderField) string {
	var b strings.Builder
	for _, f := range fields {
		if !strings.HasPrefix(f.Name, ":") && !tracedFields[f.Name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		b.WriteString(f.Value)
	}
	return b.String()
}
