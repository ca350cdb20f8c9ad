package h2

import "golang.org/x/net/http2/hpack"

// HPACK static table indices (RFC 7541 appendix A) of fields the engine
// encodes itself.
const (
	hpackContentLength = 28
	hpackDate          = 33
)

// appendLiteral appends a "literal header field without indexing, indexed
// name" (RFC 7541 6.2.2) for static table entry idx. Values that change
// with every response (Date, Content-Length) are encoded so: no table
// search, and no churn of the connection's dynamic table. It must not start
// a header block, which may have to begin with a table size update.
func appendLiteral[T string | []byte](b []byte, idx int, value T) []byte {
	b = appendHpackInt(b, 4, 0, idx)
	b = appendHpackInt(b, 7, 0, len(value))
	return append(b, value...)
}

// appendHpackInt appends v as an HPACK integer with an n-bit prefix
// (RFC 7541 5.1), or-ing first into the first byte.
func appendHpackInt(b []byte, n uint, first byte, v int) []byte {
	limit := 1<<n - 1
	if v < limit {
		return append(b, first|byte(v))
	}
	b = append(b, first|byte(limit))
	for v -= limit; v >= 128; v >>= 7 {
		b = append(b, byte(v&0x7f|0x80))
	}
	return append(b, byte(v))
}

// hpackEncoder encodes the header blocks the server sends (RFC 7541): a
// dynamic table of at most 4096 bytes, looked up by the key the field
// had in the handler's http.Header, so that a field the connection sent
// before costs one map lookup and a string comparison, and its name is
// lowercased only when it enters the table. It replaces x/net's Encoder,
// which searches the static and dynamic tables by name and value for
// every field.
type hpackEncoder struct {
	ents    []hpackEntry      // the dynamic table, oldest first, from head on
	head    int               // ents[:head] are evicted
	nextID  uint64            // the id of the next entry inserted; ids start at 1
	size    int               // of the live entries (RFC 7541 4.1)
	maxSize int               // the table's size, at most limit
	minSize int               // smallest maxSize since the last size update sent, or -1
	update  bool              // a size update is owed at the start of the next block
	byKey   map[string]uint64 // key -> id of the newest entry inserted under it
}

type hpackEntry struct {
	name, value string
	prev        uint64 // the previous entry inserted under the same key, or 0
}

// hpackMaxTable is the largest dynamic table the server uses, whatever the
// client allows (x/net's default too).
const hpackMaxTable = 4096

func newHpackEncoder() *hpackEncoder {
	return &hpackEncoder{nextID: 1, maxSize: hpackMaxTable, minSize: -1, byKey: make(map[string]uint64)}
}

// setLimit applies the client's SETTINGS_HEADER_TABLE_SIZE: a smaller
// table evicts entries at once and is announced at the start of the next
// block. The table never grows back (RFC 7541 4.2 lets the encoder use
// any size up to the limit).
func (e *hpackEncoder) setLimit(v uint32) {
	if int64(v) >= int64(e.maxSize) {
		return
	}
	e.maxSize = int(v)
	if e.minSize < 0 || e.maxSize < e.minSize {
		e.minSize = e.maxSize
	}
	e.update = true
	e.evict(0)
}

// begin starts a header block in b: a pending dynamic table size update
// (the smallest size since the last update, then the current one).
func (e *hpackEncoder) begin(b []byte) []byte {
	if !e.update {
		return b
	}
	e.update = false
	if e.minSize < e.maxSize {
		b = appendHpackInt(b, 5, 0x20, e.minSize)
	}
	e.minSize = -1
	return appendHpackInt(b, 5, 0x20, e.maxSize)
}

// status appends :status code.
func (e *hpackEncoder) status(b []byte, code int) []byte {
	switch code {
	case 200:
		return append(b, 0x80|8)
	case 204:
		return append(b, 0x80|9)
	case 206:
		return append(b, 0x80|10)
	case 304:
		return append(b, 0x80|11)
	case 400:
		return append(b, 0x80|12)
	case 404:
		return append(b, 0x80|13)
	case 500:
		return append(b, 0x80|14)
	}
	return e.field(b, ":status", statusStrings[code])
}

// field appends the field key: value, key being its name in an
// http.Header (canonical or not): an index when the table has it, else a
// literal with incremental indexing (without, if it could not fit).
func (e *hpackEncoder) field(b []byte, key, value string) []byte {
	first := e.nextID - uint64(len(e.ents)-e.head)
	id := e.byKey[key]
	for n := 0; id >= first && id != 0 && n < 4; n++ {
		ent := &e.ents[e.head+int(id-first)]
		if ent.value == value {
			return appendHpackInt(b, 7, 0x80, int(hpackStaticLen+e.nextID-id))
		}
		id = ent.prev
	}
	name := lowerKey(key)
	nameIdx := int(hpackStaticNames[name])
	if nameIdx == 0 {
		if id := e.byKey[key]; id >= first && id != 0 {
			nameIdx = int(hpackStaticLen + e.nextID - id)
		}
	}
	size := len(name) + len(value) + 32
	if size > e.maxSize {
		b = appendHpackInt(b, 4, 0, nameIdx) // literal without indexing
	} else {
		b = appendHpackInt(b, 6, 0x40, nameIdx)
		e.insert(key, name, value, size)
	}
	if nameIdx == 0 {
		b = appendHpackString(b, name)
	}
	return appendHpackString(b, value)
}

// insert adds an entry of size bytes, evicting the oldest to make room.
func (e *hpackEncoder) insert(key, name, value string, size int) {
	e.evict(size)
	if e.head > 32 && e.head >= len(e.ents)/2 {
		n := copy(e.ents, e.ents[e.head:])
		clear(e.ents[n:])
		e.ents, e.head = e.ents[:n], 0
	}
	prev := e.byKey[key]
	e.ents = append(e.ents, hpackEntry{name: name, value: value, prev: prev})
	e.size += size
	e.byKey[key] = e.nextID
	e.nextID++
	if len(e.byKey) > 4*(len(e.ents)-e.head)+64 {
		e.rebuildKeys()
	}
}

// evict removes the oldest entries until room more bytes fit.
func (e *hpackEncoder) evict(room int) {
	for e.size+room > e.maxSize && e.head < len(e.ents) {
		ent := &e.ents[e.head]
		e.size -= len(ent.name) + len(ent.value) + 32
		*ent = hpackEntry{}
		e.head++
	}
}

// rebuildKeys drops the keys whose entries were all evicted: keys of
// fields too varied to stay in the table would otherwise accumulate.
func (e *hpackEncoder) rebuildKeys() {
	first := e.nextID - uint64(len(e.ents)-e.head)
	for k, id := range e.byKey {
		if id < first {
			delete(e.byKey, k)
		}
	}
}

// appendHpackString appends s as an HPACK string literal, Huffman-coded
// when that is shorter.
func appendHpackString(b []byte, s string) []byte {
	if n := hpack.HuffmanEncodeLength(s); n < uint64(len(s)) {
		b = appendHpackInt(b, 7, 0x80, int(n))
		return hpack.AppendHuffmanString(b, s)
	}
	b = appendHpackInt(b, 7, 0, len(s))
	return append(b, s...)
}

// hpackStaticLen is the number of entries of the static table.
const hpackStaticLen = 61

// hpackStaticNames maps the names of the static table (RFC 7541 appendix
// A) to their first index.
var hpackStaticNames = func() map[string]uint8 {
	names := [hpackStaticLen]string{":authority", ":method", ":method", ":path", ":path",
		":scheme", ":scheme", ":status", ":status", ":status", ":status", ":status", ":status",
		":status", "accept-charset", "accept-encoding", "accept-language", "accept-ranges",
		"accept", "access-control-allow-origin", "age", "allow", "authorization",
		"cache-control", "content-disposition", "content-encoding", "content-language",
		"content-length", "content-location", "content-range", "content-type", "cookie",
		"date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since",
		"if-none-match", "if-range", "if-unmodified-since", "last-modified", "link",
		"location", "max-forwards", "proxy-authenticate", "proxy-authorization", "range",
		"referer", "refresh", "retry-after", "server", "set-cookie",
		"strict-transport-security", "transfer-encoding", "user-agent", "vary", "via",
		"www-authenticate"}
	m := make(map[string]uint8, len(names))
	for i := len(names) - 1; i >= 0; i-- {
		m[names[i]] = uint8(i + 1)
	}
	return m
}()
