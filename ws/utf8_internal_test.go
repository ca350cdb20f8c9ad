package ws

import (
	"testing"
	"unicode/utf8"
)

func TestUTF8Checker(t *testing.T) {
	tests := []struct {
		pieces []string
		ok     bool
	}{
		{[]string{"hello"}, true},
		{[]string{"h\xc3", "\xa9llo"}, true},
		{[]string{"\xf0\x9f", "\x98", "\x80"}, true},
		{[]string{"\xef\xbf\xbd"}, true}, // U+FFFD itself
		{[]string{"\xef\xbf", "\xbd"}, true},
		{[]string{"ab\xe2\x82"}, false},
		{[]string{"\xed\xa0\x80"}, false}, // surrogate
		{[]string{"ok\xf4\x90"}, false},   // beyond U+10FFFF, fails before the end
		{[]string{"\xc0\xaf"}, false},
		{[]string{"\xe0", "\x80"}, false},
	}
	for _, tt := range tests {
		var u utf8Checker
		ok := true
		for _, p := range tt.pieces {
			ok = ok && u.write([]byte(p))
		}
		ok = ok && u.done()
		if ok != tt.ok {
			t.Errorf("utf8Checker(%q) = %v; want %v", tt.pieces, ok, tt.ok)
		}
	}
}

func FuzzUTF8Checker(f *testing.F) {
	f.Add([]byte("héllo wörld"), 3)
	f.Add([]byte("\xf0\x9f\x98\x80"), 2)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		var u utf8Checker
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		got := u.write(b[:cut]) && u.write(b[cut:]) && u.done()
		if want := utf8.Valid(b); got != want {
			t.Fatalf("utf8Checker(%q split at %d) = %v; utf8.Valid = %v", b, cut, got, want)
		}
	})
}
