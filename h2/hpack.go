package h2

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
