package ws

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/flate"
)

// A CompressionMode selects permessage-deflate (RFC 7692).
type CompressionMode int

const (
	// CompressionDisabled, the zero value, never negotiates compression.
	CompressionDisabled CompressionMode = iota
	// CompressionContextTakeover keeps each direction's LZ77 window across
	// messages: the best ratio for streams of similar messages, at about
	// 32 KiB to read (the window; the decompressor is pooled between
	// messages) and a few hundred KiB to write per connection.
	CompressionContextTakeover
	// CompressionNoContextTakeover compresses each message alone
	// (server_no_context_takeover and client_no_context_takeover), so
	// compressors are pooled and idle connections hold none.
	CompressionNoContextTakeover
)

// DefaultCompressionThreshold is the smallest message compressed when the
// threshold option is zero: shorter ones go out as they are.
const DefaultCompressionThreshold = 128

// deflateTail ends a message for the inflater: the 4 bytes RFC 7692
// section 7.2.2 has senders strip, then an empty final block so the
// decompressor reports io.EOF.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

const extDeflate = "permessage-deflate"

// deflateParams is what a permessage-deflate negotiation agreed.
type deflateParams struct {
	serverNoCtx, clientNoCtx bool
	serverBits               int // server_max_window_bits to echo; 0 for none
}

// serverNegotiate picks the first permessage-deflate offer the server can
// honour (RFC 7692 section 5) and returns the response element. Offers
// that limit the server's window below 15 bits are declined: the
// compressor always uses a 32 KiB window.
func serverNegotiate(offers []extension, mode CompressionMode) (string, deflateParams, bool) {
	if mode == CompressionDisabled {
		return "", deflateParams{}, false
	}
next:
	for _, o := range offers {
		if o.name != extDeflate {
			continue
		}
		var p deflateParams
		seen := map[string]bool{}
		for _, prm := range o.params {
			if seen[prm.key] {
				continue next
			}
			seen[prm.key] = true
			switch prm.key {
			case "server_no_context_takeover", "client_no_context_takeover":
				if prm.hasVal {
					continue next
				}
				if prm.key[0] == 's' {
					p.serverNoCtx = true
				} else {
					p.clientNoCtx = true
				}
			case "server_max_window_bits":
				bits, ok := windowBits(prm)
				if !ok || bits < 15 {
					continue next
				}
				p.serverBits = bits
			case "client_max_window_bits":
				if _, ok := windowBits(prm); prm.hasVal && !ok {
					continue next
				}
			default:
				continue next
			}
		}
		if mode == CompressionNoContextTakeover {
			p.serverNoCtx, p.clientNoCtx = true, true
		}
		resp := extension{name: extDeflate}
		if p.serverNoCtx {
			resp.params = append(resp.params, param{key: "server_no_context_takeover"})
		}
		if p.clientNoCtx {
			resp.params = append(resp.params, param{key: "client_no_context_takeover"})
		}
		if p.serverBits != 0 {
			resp.params = append(resp.params, param{key: "server_max_window_bits", val: strconv.Itoa(p.serverBits), hasVal: true})
		}
		return resp.String(), p, true
	}
	return "", deflateParams{}, false
}

// windowBits parses a max_window_bits value: 8 to 15.
func windowBits(p param) (int, bool) {
	if !p.hasVal {
		return 0, false
	}
	n, err := strconv.Atoi(p.val)
	if err != nil || n < 8 || n > 15 || len(p.val) > 2 {
		return 0, false
	}
	return n, true
}

// clientOffer is the Sec-WebSocket-Extensions a client sends for mode. It
// never offers client_max_window_bits, so the server cannot shrink the
// client's window below what the compressor uses.
func clientOffer(mode CompressionMode) string {
	if mode == CompressionNoContextTakeover {
		return extDeflate + "; server_no_context_takeover; client_no_context_takeover"
	}
	return extDeflate
}

// clientAccept checks the server's response to clientOffer.
func clientAccept(resp []extension) (deflateParams, error) {
	var p deflateParams
	if len(resp) != 1 || resp[0].name != extDeflate {
		return p, errorf("server answered extensions %v; only %s was offered", resp, extDeflate)
	}
	seen := map[string]bool{}
	for _, prm := range resp[0].params {
		if seen[prm.key] {
			return p, errorf("server repeated extension parameter %s", prm.key)
		}
		seen[prm.key] = true
		switch prm.key {
		case "server_no_context_takeover":
			p.serverNoCtx = true
		case "client_no_context_takeover":
			p.clientNoCtx = true
		case "server_max_window_bits":
			if _, ok := windowBits(prm); !ok {
				return p, errorf("server_max_window_bits %q is not 8 to 15", prm.val)
			}
		default:
			return p, errorf("server answered unexpected deflate parameter %s", prm.key)
		}
	}
	return p, nil
}

// A deflater compresses outgoing messages.
type deflater struct {
	noCtx bool
	w     *flate.Writer // with context takeover; else pooled
	buf   bytes.Buffer
}

var flateWriters sync.Pool

func (d *deflater) begin() {
	d.buf.Reset()
	if d.w != nil {
		return
	}
	if fw, ok := flateWriters.Get().(*flate.Writer); ok {
		fw.Reset(&d.buf)
		d.w = fw
		return
	}
	d.w, _ = flate.NewWriter(&d.buf, flate.BestSpeed)
}

func (d *deflater) write(p []byte) { d.w.Write(p) }

// end finishes the message and returns its payload: the deflate stream
// flushed to a byte boundary, its final 00 00 ff ff removed.
func (d *deflater) end() []byte {
	d.w.Flush()
	b := d.buf.Bytes()
	b = b[:len(b)-4]
	if d.noCtx {
		d.w.Reset(io.Discard)
		flateWriters.Put(d.w)
		d.w = nil
	}
	return b
}

// An inflater decompresses incoming messages.
type inflater struct {
	noCtx bool
	c     *Conn
	fr    io.ReadCloser // flate reader, pooled between messages
	src   *bufio.Reader // pooled between messages
	in    inflateSource
	dict  []byte // last 32 KiB of output, with context takeover
}

// flateReaders and inflateSrcs hold the state of messages being inflated:
// a connection between messages keeps none (with context takeover, the
// window is dict, given to the reader at each message's start).
var (
	flateReaders sync.Pool
	inflateSrcs  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
)

// start prepares to inflate the message whose first frame was just read.
func (f *inflater) start(c *Conn) {
	f.c = c
	f.in = inflateSource{c: c}
	if f.src == nil {
		f.src = inflateSrcs.Get().(*bufio.Reader)
	}
	f.src.Reset(&f.in)
	if f.fr == nil {
		if fr, ok := flateReaders.Get().(io.ReadCloser); ok {
			f.fr = fr
		} else {
			f.fr = flate.NewReader(nil)
		}
	}
	f.fr.(flate.Resetter).Reset(f.src, f.dict)
}

func (f *inflater) read(p []byte) (int, error) {
	n, err := f.fr.Read(p)
	if !f.noCtx && n > 0 {
		f.remember(p[:n])
	}
	if err == io.EOF {
		// A sender may end its stream with a final block of its own:
		// drain what is left of the message.
		for !f.in.done && f.c.rerr == nil {
			if _, err := f.src.Discard(4096); err != nil {
				break
			}
		}
	}
	return n, err
}

// finish ends a message: pooled state goes back. With context takeover
// too: start resets the reader with the window kept in dict.
func (f *inflater) finish() {
	if f.fr != nil {
		flateReaders.Put(f.fr)
		f.fr = nil
	}
	if f.src != nil {
		f.src.Reset(nil)
		inflateSrcs.Put(f.src)
		f.src = nil
	}
}

// remember keeps the last 32 KiB of output as the next message's
// dictionary.
func (f *inflater) remember(p []byte) {
	const window = 32 << 10
	if len(p) >= window {
		f.dict = append(f.dict[:0], p[len(p)-window:]...)
		return
	}
	if over := len(f.dict) + len(p) - window; over > 0 {
		f.dict = append(f.dict[:0], f.dict[over:]...)
	}
	f.dict = append(f.dict, p...)
}

// inflateSource reads a compressed message's payload and then deflateTail.
type inflateSource struct {
	c    *Conn
	tail int
	done bool
}

func (s *inflateSource) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	n, err := s.c.readPayload(p)
	if err == io.EOF {
		n = copy(p, deflateTail[s.tail:])
		s.tail += n
		if s.tail == len(deflateTail) {
			s.done = true
		}
		return n, nil
	}
	return n, err
}
