package observe

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"testing"
	"time"
)

// slogLine is what slog.JSONHandler writes for e: the reference the hand
// encoder must match byte for byte.
func slogLine(t testing.TB, e *entry) []byte {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, nil)
	rec := slog.NewRecord(e.time, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("remote", e.remote), slog.String("host", e.host),
		slog.String("method", e.method), slog.String("uri", e.uri),
		slog.String("proto", e.proto), slog.Int("status", e.status),
		slog.Int64("bytes", e.bytes), slog.Float64("duration", e.dur.Seconds()))
	if v := tlsVersion(e.tls); v != "" {
		rec.AddAttrs(slog.String("tls", v))
	}
	if e.stream >= 0 {
		rec.AddAttrs(slog.Int64("stream", e.stream))
	}
	rec.AddAttrs(slog.String("site", siteOrNone(e.site)))
	if e.referer != "" {
		rec.AddAttrs(slog.String("referer", e.referer))
	}
	if e.userAgent != "" {
		rec.AddAttrs(slog.String("user_agent", e.userAgent))
	}
	if e.websocket {
		rec.AddAttrs(slog.Bool("websocket", true), slog.Int("close_code", e.closeCode))
	}
	if err := h.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var testTime = time.Date(2026, 12, 7, 14, 16, 11, 123456789, time.UTC)

var entryTests = []struct {
	name     string
	e        entry
	combined string
}{
	{
		name: "h1 plain",
		e: entry{time: testTime, dur: 1500 * time.Microsecond, remote: "127.0.0.1:5555", host: "a.localhost",
			method: "GET", uri: "/index.html?x=1", proto: "HTTP/1.1", status: 200, bytes: 1024, stream: -1,
			tls: tls.VersionTLS13, site: "a", userAgent: "curl/8.0"},
		combined: `127.0.0.1 - - [07/Dec/2026:14:16:11 +0000] "GET /index.html?x=1 HTTP/1.1" 200 1024 "-" "curl/8.0" host=a.localhost duration=0.001500 tls=1.3 site=a` + "\n",
	},
	{
		name: "h2 stream, no site, no body",
		e: entry{time: testTime, dur: 42 * time.Nanosecond, remote: "[::1]:443", host: "b.localhost:8443",
			method: "HEAD", uri: "/", proto: "HTTP/2.0", status: 304, stream: 7, tls: tls.VersionTLS12,
			referer: "https://b.localhost/"},
		combined: `::1 - - [07/Dec/2026:14:16:11 +0000] "HEAD / HTTP/2.0" 304 - "https://b.localhost/" "-" host=b.localhost:8443 duration=0.000000 tls=1.2 stream=7 site=none` + "\n",
	},
	{
		name: "h3 websocket",
		e: entry{time: testTime, dur: 3 * time.Second, remote: "10.0.0.1:9", host: "a.localhost",
			method: "CONNECT", uri: "/chat", proto: "HTTP/3.0", status: 200, bytes: 99, stream: 0,
			tls: tls.VersionTLS13, site: "a", websocket: true, closeCode: 1001},
		combined: `10.0.0.1 - - [07/Dec/2026:14:16:11 +0000] "CONNECT /chat HTTP/3.0" 200 99 "-" "-" host=a.localhost duration=3.000000 tls=1.3 stream=0 site=a close_code=1001` + "\n",
	},
	{
		name: "hostile strings",
		e: entry{time: testTime, remote: "1.2.3.4:5", host: "evil\" host", method: "GET",
			uri: "/a\"b\\c\x01<script>&\u2028\xff", proto: "HTTP/1.1", status: 404, stream: -1,
			userAgent: "x\ny", referer: "ü"},
		combined: `1.2.3.4 - - [07/Dec/2026:14:16:11 +0000] "GET /a\"b\\c\x01<script>&\xe2\x80\xa8\xff HTTP/1.1" 404 - "\xc3\xbc" "x\x0ay" host=evil\"\x20host duration=0.000000 site=none` + "\n",
	},
}

// TestJSONMatchesSlog pins the hand-written JSON encoder to slog's output
// for the same record.
func TestJSONMatchesSlog(t *testing.T) {
	for _, tt := range entryTests {
		got := tt.e.appendJSON(nil)
		if want := slogLine(t, &tt.e); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
	}
}

func TestCombined(t *testing.T) {
	for _, tt := range entryTests {
		if got := string(tt.e.appendCombined(nil)); got != tt.combined {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.combined)
		}
	}
}

// FuzzEntry checks that any request strings and duration give slog's JSON
// exactly, and a combined line that is one line with every quote escaped.
func FuzzEntry(f *testing.F) {
	for _, tt := range entryTests {
		f.Add(tt.e.host, tt.e.uri, tt.e.userAgent, int64(tt.e.dur))
	}
	f.Add("", "\u2029\x7f\"", "\t\r", int64(1))
	f.Fuzz(func(t *testing.T, host, uri, agent string, dur int64) {
		e := entry{time: testTime, dur: time.Duration(dur), remote: "127.0.0.1:1", host: host,
			method: "GET", uri: uri, proto: "HTTP/1.1", status: 200, stream: -1, userAgent: agent}
		if got, want := e.appendJSON(nil), slogLine(t, &e); !bytes.Equal(got, want) {
			t.Fatalf("JSON:\n got %s\nwant %s", got, want)
		}
		line := e.appendCombined(nil)
		if i := bytes.IndexByte(line, '\n'); i != len(line)-1 {
			t.Fatalf("combined line has a newline at %d of %d: %q", i, len(line), line)
		}
		if n := unescapedQuotes(line); n != 6 {
			t.Fatalf("combined line has %d unescaped quotes; want 6: %q", n, line)
		}
	})
}

// unescapedQuotes counts the quotes in b that no backslash escapes.
func unescapedQuotes(b []byte) int {
	n := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			n++
		}
	}
	return n
}

func BenchmarkEncode(b *testing.B) {
	e := entryTests[0].e
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = e.appendJSON(buf[:0])
		}
	})
	b.Run("slog", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		h := slog.NewJSONHandler(&buf, nil)
		for b.Loop() {
			buf.Reset()
			rec := slog.NewRecord(e.time, slog.LevelInfo, "request", 0)
			rec.AddAttrs(
				slog.String("remote", e.remote), slog.String("host", e.host),
				slog.String("method", e.method), slog.String("uri", e.uri),
				slog.String("proto", e.proto), slog.Int("status", e.status),
				slog.Int64("bytes", e.bytes), slog.Float64("duration", e.dur.Seconds()),
				slog.String("tls", "1.3"), slog.String("site", e.site),
				slog.String("user_agent", e.userAgent))
			h.Handle(context.Background(), rec)
		}
	})
	b.Run("combined", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = e.appendCombined(buf[:0])
		}
	})
}
