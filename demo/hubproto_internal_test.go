package demo

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestParseAfter(t *testing.T) {
	for _, tt := range []struct {
		in     string
		after  uint64
		given  bool
		hasErr bool
	}{
		{"", 0, false, false},
		{"0", 0, true, false},
		{"17", 17, true, false},
		{"18446744073709551614", math.MaxUint64 - 1, true, false},
		{"18446744073709551615", 0, false, true}, // MaxUint64: invalid for Subscribe
		{"18446744073709551616", 0, false, true},
		{"-1", 0, false, true},
		{"+1", 0, false, true},
		{"1.0", 0, false, true},
		{"1e3", 0, false, true},
		{" 1", 0, false, true},
		{"x", 0, false, true},
	} {
		after, given, err := parseAfter(tt.in)
		if after != tt.after || given != tt.given || (err != nil) != tt.hasErr {
			t.Errorf("parseAfter(%q) = %d, %v, %v; want %d, %v, error %v", tt.in, after, given, err, tt.after, tt.given, tt.hasErr)
		}
	}
}

var resumeSeeds = []string{
	`{"type":"resume","after":0}`,
	`{"type":"resume","after":42}`,
	` {"after":7, "type":"resume"} `,
	`{"type":"resume","after":18446744073709551614}`,
	`{"type":"resume","after":18446744073709551615}`,
	`{"type":"resume","after":-1}`,
	`{"type":"resume","after":1.5}`,
	`{"type":"resume","after":"3"}`,
	`{"type":"resume","after":null}`,
	`{"type":"resume"}`,
	`{"type":"msg","after":3}`,
	`{"type":"resume","after":3`,
	`hello`,
	``,
}

func TestParseResume(t *testing.T) {
	for _, tt := range []struct {
		in    string
		after uint64
		ok    bool
	}{
		{resumeSeeds[0], 0, true},
		{resumeSeeds[1], 42, true},
		{resumeSeeds[2], 7, true},
		{resumeSeeds[3], math.MaxUint64 - 1, true},
		{resumeSeeds[4], 0, false},
		{resumeSeeds[5], 0, false},
		{resumeSeeds[6], 0, false},
		{resumeSeeds[7], 0, false},
		{resumeSeeds[8], 0, false},
		{resumeSeeds[9], 0, false},
		{resumeSeeds[10], 0, false},
		{resumeSeeds[11], 0, false},
		{resumeSeeds[12], 0, false},
		{resumeSeeds[13], 0, false},
	} {
		after, ok := parseResume([]byte(tt.in))
		if after != tt.after || ok != tt.ok {
			t.Errorf("parseResume(%q) = %d, %v; want %d, %v", tt.in, after, ok, tt.after, tt.ok)
		}
	}
}

// FuzzParseResume: parseResume never panics; what it accepts, a plain
// JSON decoder reads the same way, and its own encoding round-trips.
func FuzzParseResume(f *testing.F) {
	for _, s := range resumeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		after, ok := parseResume(msg)
		if !ok {
			if after != 0 {
				t.Fatalf("parseResume(%q) = %d, false; want 0 when not ok", msg, after)
			}
			return
		}
		if after == math.MaxUint64 {
			t.Fatalf("parseResume(%q) accepted MaxUint64", msg)
		}
		var r struct {
			Type  string `json:"type"`
			After uint64 `json:"after"`
		}
		if err := json.Unmarshal(msg, &r); err != nil || r.Type != "resume" || r.After != after {
			t.Fatalf("parseResume(%q) = %d; json reads %+v, %v", msg, after, r, err)
		}
		again, ok := parseResume([]byte(`{"type":"resume","after":` + strconv.FormatUint(after, 10) + `}`))
		if !ok || again != after {
			t.Fatalf("round trip of %d = %d, %v", after, again, ok)
		}
	})
}

func TestStamp(t *testing.T) {
	inst := quote(`a"b`)
	for _, tt := range []struct {
		data, extra, want string
		ok                bool
	}{
		{`{"type":"msg","text":"hi"}`, ``, `{"seq":5,"instance":"a\"b","type":"msg","text":"hi"}`, true},
		{`{}`, ``, `{"seq":5,"instance":"a\"b"}`, true},
		{` { } `, `{"proto":"HTTP/2.0"}`, `{"seq":5,"instance":"a\"b","proto":"HTTP/2.0"}`, true},
		{`{"x":1}`, `{"proto":"h"}`, `{"seq":5,"instance":"a\"b","proto":"h","x":1}`, true},
		{`{"x":1}`, `[1]`, ``, false},
		{`[1]`, ``, ``, false},
		{`{"x":`, ``, ``, false},
		{``, ``, ``, false},
		{`"s"`, ``, ``, false},
	} {
		var extra []byte
		if tt.extra != "" {
			extra = []byte(tt.extra)
		}
		got, ok := stamp([]byte(tt.data), 5, inst, extra)
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("stamp(%q, %q) = %s, %v; want %s, %v", tt.data, tt.extra, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzStamp: stamp accepts exactly the JSON objects, and what it returns
// is a JSON object with the seq and instance given and data's members.
func FuzzStamp(f *testing.F) {
	f.Add([]byte(`{"type":"msg","text":"hi"}`), uint64(1), "a")
	f.Add([]byte(`{}`), uint64(0), "")
	f.Add([]byte(` {"a":[1,{"b":null}]} `), uint64(math.MaxUint64), "é\x00")
	f.Add([]byte(`{"a":`), uint64(3), "x")
	f.Add([]byte(`[]`), uint64(3), "x")
	f.Fuzz(func(t *testing.T, data []byte, seq uint64, instance string) {
		got, ok := stamp(data, seq, quote(instance), nil)
		var in map[string]any
		isObject := json.Unmarshal(data, &in) == nil && in != nil
		if ok != isObject {
			t.Fatalf("stamp(%q) ok = %v; data is an object: %v", data, ok, isObject)
		}
		if !ok {
			return
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("stamp(%q) = %q: %v", data, got, err)
		}
		if _, dup := in["seq"]; !dup {
			if s := string(out["seq"]); s != strconv.FormatUint(seq, 10) {
				t.Fatalf("stamp(%q) seq = %s; want %d", data, s, seq)
			}
		}
		if _, dup := in["instance"]; !dup {
			var got string
			if json.Unmarshal(out["instance"], &got); got != toValidUTF8(instance) {
				t.Fatalf("stamp(%q) instance = %q; want %q", data, got, instance)
			}
		}
		for k := range in {
			if _, ok := out[k]; !ok {
				t.Fatalf("stamp(%q) lost member %q: %s", data, k, got)
			}
		}
	})
}

// toValidUTF8 is s as encoding/json writes it: invalid bytes as U+FFFD.
func toValidUTF8(s string) string {
	var back string
	json.Unmarshal(quote(s), &back)
	return back
}
