package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrors checks one kind of error per file in testdata/errors:
// the TOML before the "----------" line, then the exact errors Load
// reports, one per line, with $FILE for the file and $DIR for its folder.
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, golden := range files {
		name := strings.TrimSuffix(filepath.Base(golden), ".txt")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(data), "----------\n")
			if !ok {
				t.Fatalf("%s has no ---------- line", golden)
			}
			file := filepath.Join("testdata", "errors", name+".toml")
			dir, _ := filepath.Abs(filepath.Dir(file))
			want = strings.NewReplacer("$FILE", file, "$DIR", dir).Replace(strings.TrimSpace(want))

			c, err := Parse(file, []byte(input))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v); want\n%s", c, want)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, not Errors: %v", err, err)
			}
			if got := err.Error(); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
			for _, e := range errs {
				if e.File != file || e.Line < 1 || e.Col < 1 {
					t.Errorf("error %q: File, Line, Col = %q, %d, %d; want %q and a position", e, e.File, e.Line, e.Col, file)
				}
			}
		})
	}
}

// TestLoadUnreadable names the file when it cannot be read.
func TestLoadUnreadable(t *testing.T) {
	_, err := Load("testdata/no-such.toml")
	want := "testdata/no-such.toml: no such file (give the path of a TOML file, such as trio.toml)"
	if err == nil || err.Error() != want {
		t.Errorf("Load(missing) = %v; want %s", err, want)
	}
}

func TestNearest(t *testing.T) {
	valid := []string{"browse", "clean_urls", "hosts", "root", "spa"}
	tests := []struct {
		key, want string
		ok        bool
	}{
		{"rot", "root", true},
		{"Hosts", "hosts", true},
		{"clean-urls", "clean_urls", true},
		{"cleanurls", "clean_urls", true},
		{"brwose", "browse", true},
		{"x", "", false},
		{"certificate", "", false},
	}
	for _, tt := range tests {
		got, ok := nearest(tt.key, valid)
		if got != tt.want || ok != tt.ok {
			t.Errorf("nearest(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
