package httpmsg

import (
	"context"
	"errors"
	"testing"
)

// ctx is the context the tests' requests carry.
var ctx = context.WithValue(context.Background(), ctxKey{}, "test")

type ctxKey struct{}

// field is a test's name/value pair.
type field struct{ name, value string }

func nv(f field) (string, string) { return f.name, f.value }

func fl(kv ...string) []field {
	var fs []field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, field{kv[i], kv[i+1]})
	}
	return fs
}

var getFields = []string{":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/x?y=1"}

func get(extra ...string) []field { return fl(append(append([]string{}, getFields...), extra...)...) }

func TestNewRequestRules(t *testing.T) {
	connect := []string{":method", "CONNECT", ":authority", "a.test:443"}
	ws := []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a.test", ":path", "/ws"}
	tests := []struct {
		name   string
		fields []field
		want   error // nil: accepted
	}{
		{"GET", get(), nil},
		{"GET with fields", get("accept", "*/*", "te", "trailers", "x-a", "1", "x-a", "2"), nil},
		{"host instead of :authority", fl(":method", "GET", ":scheme", "https", ":path", "/", "host", "a.test"), nil},
		{"host equal to :authority", get("host", "a.test"), nil},
		{"empty :authority and a host", fl(":method", "GET", ":scheme", "https", ":authority", "", ":path", "/", "host", "a.test"), ErrHost},
		{"OPTIONS *", fl(":method", "OPTIONS", ":scheme", "https", ":authority", "a.test", ":path", "*"), nil},
		{"CONNECT", fl(connect...), nil},
		{"extended CONNECT", fl(ws...), nil},
		{"no :method", get()[1:], ErrPseudo},
		{"no :path", get()[:3], ErrPseudo},
		{"no :scheme", append(get()[:1], get()[2:]...), ErrPseudo},
		{"no authority at all", append(get()[:2], get()[3]), ErrHost},
		{"OPTIONS * without authority", fl(":method", "OPTIONS", ":scheme", "https", ":path", "*"), ErrHost},
		{"other scheme without authority", fl(":method", "GET", ":scheme", "foo", ":path", "/"), nil},
		{"empty :path", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", ""), ErrPseudo},
		{"empty :method", fl(":method", "", ":scheme", "https", ":authority", "a", ":path", "/"), ErrPseudo},
		{"method not a token", fl(":method", "G T", ":scheme", "https", ":authority", "a", ":path", "/"), ErrPseudo},
		{"relative :path", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "x"), ErrPath},
		{"GET *", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "*"), ErrPath},
		{"path with a space", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/a b"), nil},
		{"path with a control", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/a\x7f"), ErrFieldValue},
		{"path with a bad escape", fl(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/%zz"), ErrPath},
		{"CR in :authority", fl(":method", "GET", ":scheme", "https", ":authority", "a\rb", ":path", "/"), ErrFieldValue},
		{"bad :authority", fl(":method", "GET", ":scheme", "https", ":authority", "a b", ":path", "/"), ErrHost},
		{"duplicate :path", get(":path", "/"), ErrPseudo},
		{"duplicate empty :authority", fl(":method", "GET", ":scheme", "https", ":authority", "", ":authority", "", ":path", "/"), ErrPseudo},
		{"unknown pseudo", get(":foo", "1"), ErrPseudo},
		{"pseudo after regular", fl(":method", "GET", "x", "1", ":scheme", "https", ":authority", "a", ":path", "/"), ErrPseudo},
		{"uppercase name", get("X-Check", "1"), ErrFieldName},
		{"empty name", get("", "1"), ErrFieldName},
		{"bad name", get("a b", "1"), ErrFieldName},
		{"bad value", get("a", "x\r\ny"), ErrFieldValue},
		{"NUL in value", get("a", "x\x00"), ErrFieldValue},
		{"connection", get("connection", "close"), ErrConnField},
		{"proxy-connection", get("proxy-connection", "close"), ErrConnField},
		{"keep-alive", get("keep-alive", "1"), ErrConnField},
		{"transfer-encoding", get("transfer-encoding", "chunked"), ErrConnField},
		{"upgrade", get("upgrade", "websocket"), ErrConnField},
		{"te gzip", get("te", "gzip"), ErrTE},
		{"content-length", get("content-length", "5"), nil},
		{"same content-length twice", get("content-length", "5", "content-length", "5"), nil},
		{"bad content-length", get("content-length", "-1"), ErrContentLength},
		{"signed content-length", get("content-length", "+1"), ErrContentLength},
		{"two content-lengths", get("content-length", "1", "content-length", "2"), ErrContentLength},
		{"two hosts", get("host", "a.test", "host", "a.test"), ErrHost},
		{"host differs from :authority", get("host", "other"), ErrHost},
		{"CONNECT with :path", fl(append(connect, ":path", "/")...), ErrPseudo},
		{"CONNECT with empty :scheme", fl(append(connect, ":scheme", "")...), ErrPseudo},
		{"CONNECT without :authority", fl(connect[:2]...), ErrPseudo},
		{":protocol without CONNECT", get(":protocol", "websocket"), ErrPseudo},
		{"extended CONNECT without :path", fl(ws[:8]...), ErrPseudo},
		{"extended CONNECT relative :path", fl(append(ws[:8], ":path", "ws")...), ErrPath},
		{"declared trailers", get("trailer", "x-sum, x-other"), nil},
		{"declared content-length trailer", get("trailer", "content-length"), ErrTrailerKey},
	}
	for _, v := range []Version{HTTP2, HTTP3} {
		for _, tt := range tests {
			r, _, err := NewRequest(ctx, v, tt.fields, nv)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("HTTP/%d %s: err = %v; want %v", v, tt.name, err, tt.want)
				continue
			}
			if err == nil {
				if msg := checkAccepted(v, tt.fields, r); msg != "" {
					t.Errorf("HTTP/%d %s: %s", v, tt.name, msg)
				}
			}
		}
	}
}

func TestNewRequestFields(t *testing.T) {
	r, head, err := NewRequest(ctx, HTTP3, get("cookie", "a=1", "cookie", "b=2", "content-length", "7",
		"trailer", "x-sum, x-other", "trailer", "authorization", "expect", "100-continue", "x-a", "1", "x-a", "2"), nv)
	if err != nil {
		t.Fatal(err)
	}
	if r.Host != "a.test" || r.URL.Path != "/x" || r.URL.RawQuery != "y=1" || r.RequestURI != "/x?y=1" {
		t.Errorf("Host %q, URL %v, RequestURI %q; want a.test, /x?y=1", r.Host, r.URL, r.RequestURI)
	}
	if got := r.Header.Get("Cookie"); got != "a=1; b=2" {
		t.Errorf("Cookie = %q; want %q", got, "a=1; b=2")
	}
	if r.ContentLength != 7 || head.ContentLength != 7 || !head.Continue {
		t.Errorf("ContentLength %d, Head %+v; want 7, 7 and Continue", r.ContentLength, head)
	}
	if _, ok := r.Trailer["X-Sum"]; !ok || len(r.Trailer) != 2 {
		t.Errorf("Trailer = %v; want X-Sum and X-Other (Authorization dropped)", r.Trailer)
	}
	if got := r.Header["X-A"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("X-A = %q; want [1 2]", got)
	}
	if r.Context() != ctx {
		t.Errorf("Context() = %v; want the one given", r.Context())
	}
	if r.Proto != "HTTP/3.0" || r.ProtoMajor != 3 {
		t.Errorf("Proto %q %d; want HTTP/3.0 3", r.Proto, r.ProtoMajor)
	}
	r, head, _ = NewRequest(ctx, HTTP2, fl(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a.test", ":path", "/ws"), nv)
	if r.Proto != "websocket" || r.Header.Get(":protocol") != "websocket" || r.URL.Host != "a.test" || r.URL.Path != "/ws" || head.ContentLength != -1 {
		t.Errorf("extended CONNECT: Proto %q, :protocol %q, URL %v, length %d", r.Proto, r.Header.Get(":protocol"), r.URL, head.ContentLength)
	}
	r, _, _ = NewRequest(ctx, HTTP2, fl(":method", "CONNECT", ":authority", "a.test:443"), nv)
	if r.URL.Host != "a.test:443" || r.RequestURI != "a.test:443" || r.Host != "a.test:443" {
		t.Errorf("CONNECT: URL %v, RequestURI %q, Host %q", r.URL, r.RequestURI, r.Host)
	}
}

func TestCheckTrailerField(t *testing.T) {
	tests := []struct {
		name, value string
		want        error
	}{
		{"x-sum", "1", nil},
		{"grpc-status", "0", nil},
		{":status", "200", ErrPseudo},
		{"X-Sum", "1", ErrFieldName},
		{"x-sum", "a\nb", ErrFieldValue},
		{"connection", "close", ErrConnField},
		{"te", "gzip", ErrTE},
		{"content-length", "1", ErrTrailerKey},
		{"host", "a", ErrTrailerKey},
		{"authorization", "x", ErrTrailerKey},
	}
	for _, tt := range tests {
		if err := CheckTrailerField(tt.name, tt.value); err != tt.want {
			t.Errorf("CheckTrailerField(%q, %q) = %v; want %v", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestDeclaredTrailers(t *testing.T) {
	tests := []struct {
		vv   []string
		want []string // keys; nil with wantErr
		err  error
	}{
		{nil, nil, nil},
		{[]string{""}, nil, nil},
		{[]string{"x-a, X-B", " x-c ,,"}, []string{"X-A", "X-B", "X-C"}, nil},
		{[]string{"x-a, authorization, host, a b"}, []string{"X-A"}, nil},
		{[]string{"x-a, transfer-encoding"}, nil, ErrTrailerKey},
		{[]string{"Trailer"}, nil, ErrTrailerKey},
	}
	for _, tt := range tests {
		got, err := DeclaredTrailers(tt.vv)
		if err != tt.err || len(got) != len(tt.want) {
			t.Errorf("DeclaredTrailers(%q) = %v, %v; want %q, %v", tt.vv, got, err, tt.want, tt.err)
			continue
		}
		for _, k := range tt.want {
			if vv, ok := got[k]; !ok || vv != nil {
				t.Errorf("DeclaredTrailers(%q) = %v; want %s with a nil value", tt.vv, got, k)
			}
		}
	}
}

func browserGET() []field {
	return get("user-agent", "Mozilla/5.0", "accept", "text/html", "accept-encoding", "gzip, br",
		"accept-language", "en", "cookie", "a=1", "cookie", "b=2", "sec-fetch-mode", "navigate")
}

// BenchmarkNewRequest is a browser's GET as HTTP/2 decodes it.
func BenchmarkNewRequest(b *testing.B) {
	fs := browserGET()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := NewRequest(ctx, HTTP2, fs, nv); err != nil {
			b.Fatal(err)
		}
	}
}
