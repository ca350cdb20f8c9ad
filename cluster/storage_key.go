package cluster

import (
	"errors"
	"strings"
)

// fileKey is the KV key of the certmagic key k: "k." and k's
// "/"-separated components, each escaped, joined by ".".
func fileKey(k string) string {
	var b strings.Builder
	b.WriteString("k")
	for c := range strings.SplitSeq(k, "/") {
		b.WriteByte('.')
		escapeComponent(&b, c)
	}
	return b.String()
}

// lockKey is the KV key of the lock name: "l." and name as one escaped
// component ("/" escaped too).
func lockKey(name string) string {
	var b strings.Builder
	b.WriteString("l.")
	escapeComponent(&b, name)
	return b.String()
}

// escapeComponent writes c with every byte outside [-_a-zA-Z0-9] as
// "=XX", upper-case hex, and an empty c as "=": a non-empty KV token
// without ".", which unescapeComponent reverses.
func escapeComponent(b *strings.Builder, c string) {
	if c == "" {
		b.WriteByte('=')
		return
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(c); i++ {
		if ch := c[i]; plain(ch) {
			b.WriteByte(ch)
		} else {
			b.WriteByte('=')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
}

// plain reports whether ch stands for itself in an escaped component.
func plain(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_'
}

var errBadKey = errors.New("not a key written by cluster.Storage")

// decodeFileKey returns the certmagic key of the KV key kv, which must be
// exactly what fileKey makes of it (one spelling per key).
func decodeFileKey(kv string) (string, error) {
	rest, ok := strings.CutPrefix(kv, "k.")
	if !ok {
		return "", errBadKey
	}
	var b strings.Builder
	for i, tok := range strings.Split(rest, ".") {
		if i > 0 {
			b.WriteByte('/')
		}
		if err := unescapeComponent(&b, tok); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// unescapeComponent reverses escapeComponent, refusing any other
// spelling: empty tokens, lower-case hex, escaped plain bytes.
func unescapeComponent(b *strings.Builder, tok string) error {
	switch tok {
	case "":
		return errBadKey
	case "=":
		return nil
	}
	for i := 0; i < len(tok); i++ {
		ch := tok[i]
		if plain(ch) {
			b.WriteByte(ch)
			continue
		}
		if ch != '=' || i+2 >= len(tok) {
			return errBadKey
		}
		hi, lo := unhex(tok[i+1]), unhex(tok[i+2])
		if hi < 0 || lo < 0 {
			return errBadKey
		}
		v := byte(hi<<4 | lo)
		if plain(v) {
			return errBadKey
		}
		b.WriteByte(v)
		i += 2
	}
	return nil
}

// unhex is the value of an upper-case hex digit, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
