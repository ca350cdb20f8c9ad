package httpmsg

import (
	"net/textproto"
	"strings"
	"testing"
)

func TestCanonicalKey(t *testing.T) {
	for _, name := range append(commonNames, "x-custom", "X-Custom", "X-CUSTOM", "x_under", "a b", "", "-x", "x-",
		"Www-Authenticate", "WWW-AUTHENTICATE", "é", strings.Repeat("a", 40), strings.Repeat("A-", 20)) {
		for _, n := range []string{name, strings.ToUpper(name), textproto.CanonicalMIMEHeaderKey(name)} {
			if got, want := CanonicalKey(n), textproto.CanonicalMIMEHeaderKey(n); got != want {
				t.Errorf("CanonicalKey(%q) = %q; want %q", n, got, want)
			}
		}
	}
}

func TestLowerKey(t *testing.T) {
	for _, name := range append(commonNames, "x-custom") {
		if got := LowerKey(textproto.CanonicalMIMEHeaderKey(name)); got != name {
			t.Errorf("LowerKey(%q) = %q; want %q", textproto.CanonicalMIMEHeaderKey(name), got, name)
		}
	}
}

func TestCanonicalKeyAllocs(t *testing.T) {
	for _, n := range []string{"accept-encoding", "Accept-Encoding", "ACCEPT-ENCODING", "X-Custom"} {
		if a := testing.AllocsPerRun(100, func() { CanonicalKey(n) }); a != 0 {
			t.Errorf("CanonicalKey(%q): %v allocations; want 0", n, a)
		}
	}
	if a := testing.AllocsPerRun(100, func() { LowerKey("Content-Type") }); a != 0 {
		t.Errorf("LowerKey(Content-Type): %v allocations; want 0", a)
	}
}

func FuzzCanonicalKey(f *testing.F) {
	for _, n := range commonNames {
		f.Add(n)
	}
	f.Add("X-CUSTOM")
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := CanonicalKey(name), textproto.CanonicalMIMEHeaderKey(name); got != want {
			t.Fatalf("CanonicalKey(%q) = %q; want %q", name, got, want)
		}
	})
}
