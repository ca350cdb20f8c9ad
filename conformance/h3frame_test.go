package conformance

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		want    map[uint64]uint64
		wantErr bool
	}{
		{"empty", nil, map[uint64]uint64{}, false},
		{"two", []byte{0x06, 0x40, 0x64, 0x01, 0x00}, map[uint64]uint64{6: 100, 1: 0}, false},
		{"no value", []byte{0x06}, nil, true},
		{"truncated varint", []byte{0x06, 0x40}, nil, true},
		{"duplicate", []byte{0x06, 0x01, 0x06, 0x02}, nil, true},
	} {
		got, err := parseSettings(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v; want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: = %v; want %v", tc.name, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: [0x%x] = %d; want %d", tc.name, k, got[k], v)
			}
		}
	}
}

func TestReadFrame(t *testing.T) {
	b := appendFrame(nil, frameHeaders, []byte("abc"))
	b = appendSettings(b, settingMaxField, 1000)
	r := bytes.NewReader(b)
	f, err := readFrame(r, 100)
	if err != nil || f.typ != frameHeaders || string(f.payload) != "abc" {
		t.Fatalf("readFrame = %v, %v; want HEADERS abc", f, err)
	}
	f, err = readFrame(r, 100)
	if err != nil || f.typ != frameSettings {
		t.Fatalf("readFrame = %v, %v; want SETTINGS", f, err)
	}
	if _, err := readFrame(r, 100); err != io.EOF {
		t.Fatalf("readFrame at end = %v; want io.EOF", err)
	}
	// Every truncation errors cleanly, and never as a clean io.EOF
	// except before the first byte.
	for i := 1; i < len(b); i++ {
		r := bytes.NewReader(b[:i])
		for {
			_, err := readFrame(r, 100)
			if err == nil {
				continue
			}
			if err == io.EOF && r.Size()-int64(r.Len()) != int64(i) {
				t.Errorf("truncated at %d: io.EOF inside a frame", i)
			}
			break
		}
	}
	if _, err := readFrame(bytes.NewReader(appendFrame(nil, 0, make([]byte, 101))), 100); !errors.Is(err, errFrameTooLarge) {
		t.Errorf("oversized frame: err = %v; want errFrameTooLarge", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(appendSettings(nil, settingMaxField, 1000, settingQPACKCap, 0))
	f.Add(appendFrame(nil, frameHeaders, []byte{0, 0, 0xd1}))
	f.Add([]byte{0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for i := 0; i < 100; i++ {
			fr, err := readFrame(r, 1<<10)
			if err != nil {
				return
			}
			if len(fr.payload) > 1<<10 {
				t.Fatalf("payload of %d bytes beyond the limit", len(fr.payload))
			}
			if fr.typ == frameSettings {
				parseSettings(fr.payload)
			}
		}
	})
}
