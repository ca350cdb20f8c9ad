package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad checks that no document makes Parse (what Load calls) panic,
// and that every error it reports carries a position and the file's name.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/errors/*.txt")
	seeds = append(seeds, "testdata/two-sites/trio.toml", "testdata/full/trio.toml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		input, _, _ := strings.Cut(string(data), "----------\n")
		f.Add(input)
	}
	file := filepath.Join("testdata", "fuzz.toml")
	f.Fuzz(func(t *testing.T, doc string) {
		_, err := Parse(file, []byte(doc))
		if err == nil {
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T is not Errors: %v", err, err)
		}
		for _, e := range errs {
			if e.File != file || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Errorf("error without a place or message: %#v", e)
			}
		}
	})
}
