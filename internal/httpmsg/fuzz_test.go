package httpmsg

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// seeds are field lists a client sends, one per request shape.
var seeds = [][]field{
	get(),
	get("user-agent", "curl/8", "accept", "*/*", "cookie", "a=1", "cookie", "b=2", "content-length", "3",
		"trailer", "x-sum", "expect", "100-continue", "te", "trailers"),
	fl(":method", "OPTIONS", ":scheme", "https", ":authority", "a.test", ":path", "*"),
	fl(":method", "CONNECT", ":authority", "a.test:443"),
	fl(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a.test", ":path", "/ws",
		"sec-websocket-version", "13"),
	fl(":method", "POST", ":scheme", "http", ":path", "/p", "host", "a.test", "content-length", "0"),
}

// checkAccepted returns what is wrong with request r, accepted from fields
// over v, or "".
func checkAccepted(v Version, fields []field, r *http.Request) string {
	switch {
	case !httpguts.ValidHeaderFieldName(r.Method):
		return fmt.Sprintf("Method %q is not a token", r.Method)
	case r.URL == nil:
		return "no URL"
	case r.ContentLength < -1:
		return fmt.Sprintf("ContentLength %d", r.ContentLength)
	case r.Host != "" && !httpguts.ValidHostHeader(r.Host):
		return fmt.Sprintf("Host %q is not valid", r.Host)
	case r.Header["Host"] != nil:
		return "Host left in Header"
	}
	connect := r.Method == http.MethodConnect && r.Header[":protocol"] == nil
	switch {
	case connect && (r.URL.Host == "" || r.RequestURI != r.URL.Host || r.Host == ""):
		return fmt.Sprintf("CONNECT to %q, RequestURI %q", r.URL.Host, r.RequestURI)
	case !connect && !strings.HasPrefix(r.RequestURI, "/") && !(r.RequestURI == "*" && r.Method == http.MethodOptions):
		return fmt.Sprintf("RequestURI %q", r.RequestURI)
	case !connect && r.Proto != v.proto() && r.Proto != r.Header.Get(":protocol"):
		return fmt.Sprintf("Proto %q", r.Proto)
	}
	for _, f := range fields {
		if (f.name == ":scheme" && (f.value == "http" || f.value == "https")) && r.Host == "" {
			return "http(s) without a host"
		}
	}
	for k, vv := range r.Header {
		if k != ":protocol" && (CanonicalKey(k) != k || !httpguts.ValidHeaderFieldName(k)) {
			return fmt.Sprintf("Header key %q", k)
		}
		switch k {
		case "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade":
			return fmt.Sprintf("Header %s kept", k)
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Sprintf("Header %s value %q", k, v)
			}
		}
	}
	return ""
}

// same reports whether two results of NewRequest are alike.
func same(r1 *http.Request, h1 Head, e1 error, r2 *http.Request, h2 Head, e2 error) bool {
	if e1 != e2 || h1 != h2 || (r1 == nil) != (r2 == nil) {
		return false
	}
	return r1 == nil || r1.Method == r2.Method && r1.Host == r2.Host && r1.RequestURI == r2.RequestURI &&
		r1.URL.String() == r2.URL.String() && reflect.DeepEqual(r1.Header, r2.Header) &&
		reflect.DeepEqual(r1.Trailer, r2.Trailer) && r1.ContentLength == r2.ContentLength
}

// checkList runs fields through NewRequest twice over each version and
// checks the invariants: no panic, the same answer every time and over
// both versions, and a request that holds together.
func checkList(t *testing.T, fields []field) {
	t.Helper()
	r2, h2, e2 := NewRequest(ctx, HTTP2, fields, nv)
	r2b, h2b, e2b := NewRequest(ctx, HTTP2, fields, nv)
	r3, h3, e3 := NewRequest(ctx, HTTP3, fields, nv)
	if !same(r2, h2, e2, r2b, h2b, e2b) {
		t.Fatalf("%q: two answers: %v, %v", fields, e2, e2b)
	}
	if e2 != e3 || h2 != h3 {
		t.Fatalf("%q: HTTP/2 says %v %+v, HTTP/3 %v %+v", fields, e2, h2, e3, h3)
	}
	if e2 != nil {
		if r2 != nil {
			t.Fatalf("%q: error %v with a request", fields, e2)
		}
		return
	}
	if msg := checkAccepted(HTTP2, fields, r2); msg != "" {
		t.Fatalf("%q accepted: %s", fields, msg)
	}
	if msg := checkAccepted(HTTP3, fields, r3); msg != "" {
		t.Fatalf("%q accepted over HTTP/3: %s", fields, msg)
	}
	for _, f := range fields {
		if f.name == "" || strings.HasPrefix(f.name, ":") {
			continue
		}
		if err := checkField(f.name, f.value); err != nil {
			t.Fatalf("%q accepted with field %q: %v", fields, f.name, err)
		}
	}
	for _, f := range fields {
		if f.name != "cookie" && f.name != "host" && !strings.HasPrefix(f.name, ":") && r2.Header[CanonicalKey(f.name)] == nil {
			t.Fatalf("%q accepted without field %s", fields, f.name)
		}
	}
}

// mutations returns the field lists one edit away from fs: each field
// dropped, repeated, moved first, its name upper-cased or given a space,
// its value emptied, given a CR, LF, NUL or a comma; each pair swapped.
func mutations(fs []field) [][]field {
	var out [][]field
	edit := func(i int, f field) {
		m := append([]field{}, fs...)
		m[i] = f
		out = append(out, m)
	}
	for i, f := range fs {
		out = append(out, append(append([]field{}, fs[:i]...), fs[i+1:]...))
		out = append(out, append(append(append([]field{}, fs[:i+1]...), f), fs[i+1:]...))
		out = append(out, append(append([]field{f}, fs[:i]...), fs[i+1:]...))
		edit(i, field{strings.ToUpper(f.name), f.value})
		edit(i, field{f.name + " ", f.value})
		edit(i, field{f.name, ""})
		for _, bad := range []string{"\r", "\n", "\x00", ",", " ", "\x7f", "é"} {
			edit(i, field{f.name, f.value + bad})
			edit(i, field{f.name, bad + f.value})
		}
		if i+1 < len(fs) {
			m := append([]field{}, fs...)
			m[i], m[i+1] = m[i+1], m[i]
			out = append(out, m)
		}
	}
	return out
}

// TestTruncationsAndMutations runs every truncation of every seed, and
// every truncation of every mutation one edit away from a seed, through
// the invariants.
func TestTruncationsAndMutations(t *testing.T) {
	n := 0
	for _, s := range seeds {
		if _, _, err := NewRequest(ctx, HTTP2, s, nv); err != nil {
			t.Fatalf("seed %q refused: %v", s, err)
		}
		for _, m := range append(mutations(s), s) {
			for i := 0; i <= len(m); i++ {
				checkList(t, m[:i])
				n++
			}
		}
	}
	t.Logf("%d field lists checked", n)
}

// TestMutationsRefused: edits that make a seed malformed are refused.
func TestMutationsRefused(t *testing.T) {
	for _, s := range seeds {
		for i, f := range s {
			bad := [][]field{
				append(append(append([]field{}, s[:i+1]...), field{"x-bad", "a\r\nb"}), s[i+1:]...),
				append(append(append([]field{}, s[:i+1]...), field{"X-Bad", "1"}), s[i+1:]...),
			}
			if strings.HasPrefix(f.name, ":") {
				bad = append(bad, append(append(append([]field{}, s[:i+1]...), f), s[i+1:]...)) // repeated
			}
			for _, m := range bad {
				if _, _, err := NewRequest(ctx, HTTP2, m, nv); err == nil {
					t.Errorf("%q accepted", m)
				}
			}
		}
	}
}

// encode writes a field list as the fuzzer sees it: name, 0x1f, value,
// each field ended by 0x1e.
func encode(fs []field) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		b.WriteString(f.name)
		b.WriteByte(0x1f)
		b.WriteString(f.value)
		b.WriteByte(0x1e)
	}
	return b.Bytes()
}

func decode(data []byte) []field {
	var fs []field
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{0x1e})
		name, value, _ := bytes.Cut(line, []byte{0x1f})
		fs = append(fs, field{string(name), string(value)})
		data = rest
	}
	return fs
}

// FuzzNewRequest checks the invariants on field lists the fuzzer derives
// from the seeds and their mutations, and on every truncation of each.
func FuzzNewRequest(f *testing.F) {
	for _, s := range seeds {
		f.Add(encode(s))
		for _, m := range mutations(s) {
			f.Add(encode(m))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := decode(data)
		for i := 0; i <= len(fs); i++ {
			checkList(t, fs[:i])
		}
	})
}

// FuzzTrailers checks that a trailer field CheckTrailerField accepts is
// valid in a request's header section too, and that DeclaredTrailers
// never declares what CheckTrailerField refuses as a key.
func FuzzTrailers(f *testing.F) {
	f.Add("x-sum", "1")
	f.Add("content-length", "1")
	f.Add("te", "trailers")
	f.Add(":path", "/")
	f.Add("x-a, X-B, transfer-encoding", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		if err := CheckTrailerField(name, value); err == nil {
			if checkField(name, value) != nil || !httpguts.ValidTrailerHeader(CanonicalKey(name)) {
				t.Fatalf("trailer %q: %q accepted", name, value)
			}
		}
		decl, err := DeclaredTrailers([]string{name})
		if err != nil && decl != nil {
			t.Fatalf("DeclaredTrailers(%q) = %v with %v", name, decl, err)
		}
		for k, vv := range decl {
			if vv != nil || CanonicalKey(k) != k || !httpguts.ValidTrailerHeader(k) || !httpguts.ValidHeaderFieldName(k) {
				t.Fatalf("DeclaredTrailers(%q) declares %q", name, k)
			}
		}
	})
}
