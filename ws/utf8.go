package ws

import "unicode/utf8"

// A utf8Checker validates text that arrives in pieces. It fails as soon as
// the bytes seen cannot begin valid UTF-8, as Autobahn's "fail fast" cases
// (6.4.*) expect, and keeps an incomplete trailing character for the next
// piece.
type utf8Checker struct {
	pend [utf8.UTFMax]byte
	n    int
}

// write reports whether p, after what came before, can still be valid.
func (u *utf8Checker) write(p []byte) bool {
	for u.n > 0 && len(p) > 0 { // finish the pending character first
		u.pend[u.n] = p[0]
		u.n++
		p = p[1:]
		if utf8.FullRune(u.pend[:u.n]) {
			if r, size := utf8.DecodeRune(u.pend[:u.n]); r == utf8.RuneError && size == 1 {
				return false
			}
			u.n = 0
		} else if !validPrefix(u.pend[:u.n]) {
			return false
		}
	}
	if len(p) == 0 {
		return true
	}
	// Skip ASCII quickly, then validate everything but a trailing prefix.
	i := 0
	for i < len(p) && p[i] < utf8.RuneSelf {
		i++
	}
	p = p[i:]
	cut := len(p)
	for k := 1; k <= 3 && k <= len(p); k++ {
		if b := p[len(p)-k]; b >= 0xC0 { // start of the last character
			if !utf8.FullRune(p[len(p)-k:]) {
				cut = len(p) - k
			}
			break
		} else if b < 0x80 {
			break
		}
	}
	if !utf8.Valid(p[:cut]) {
		return false
	}
	u.n = copy(u.pend[:], p[cut:])
	return u.n == 0 || validPrefix(u.pend[:u.n])
}

// done reports whether the text ended on a character boundary.
func (u *utf8Checker) done() bool { ok := u.n == 0; u.n = 0; return ok }

// validPrefix reports whether p, shorter than its character, can begin
// a valid UTF-8 encoding (RFC 3629 section 4).
func validPrefix(p []byte) bool {
	b0 := p[0]
	if b0 < 0xC2 || b0 > 0xF4 {
		return false
	}
	if len(p) == 1 {
		return true
	}
	lo, hi := byte(0x80), byte(0xBF)
	switch b0 {
	case 0xE0:
		lo = 0xA0
	case 0xED:
		hi = 0x9F
	case 0xF0:
		lo = 0x90
	case 0xF4:
		hi = 0x8F
	}
	if p[1] < lo || p[1] > hi {
		return false
	}
	for _, b := range p[2:] {
		if b < 0x80 || b > 0xBF {
			return false
		}
	}
	return true
}
