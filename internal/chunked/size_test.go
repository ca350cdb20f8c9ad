package chunked

import "testing"

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		line string
		size int64
		ext  string
		ok   bool
	}{
		{"0", 0, "", true},
		{"1a", 26, "", true},
		{"FF;name=value", 255, ";name=value", true},
		{"5 \t", 5, "", true},
		{"7fffffffffffffff", 1<<63 - 1, "", true},
		{"", 0, "", false},
		{";x", 0, "", false},
		{"5 ;x", 0, "", false}, // whitespace before an extension
		{"5x", 0, "", false},
		{"8000000000000000", 0, "", false},  // past MaxInt64
		{"10000000000000000", 0, "", false}, // 17 digits
		{"-1", 0, "", false},
	} {
		size, ext, ok := Size([]byte(tt.line))
		if size != tt.size || string(ext) != tt.ext || ok != tt.ok {
			t.Errorf("Size(%q) = %d, %q, %v; want %d, %q, %v", tt.line, size, ext, ok, tt.size, tt.ext, tt.ok)
		}
	}
}
