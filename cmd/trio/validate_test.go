package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("lsten = \":8443\"\n\n[[site]]\nhosts = [\"a.localhost\"]\nroot  = \"missing\"\n"), 0o644)
	semantic := filepath.Join(dir, "semantic.toml")
	os.WriteFile(semantic, []byte("listen = \"127.0.0.1\"\n\n[[site]]\nhosts = [\"a.localhost\"]\nroot  = \"missing\"\n"), 0o644)
	good := "../../config/testdata/two-sites/trio.toml"
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"ok", []string{good}, exitOK, good + ": ok (2 sites: a.localhost, b.localhost)\n", ""},
		{"unknown key", []string{bad}, exitError, "",
			bad + `:1:1: lsten: unknown key (did you mean "listen"?)` + "\n" +
				"trio: validate: " + bad + ": 1 error\n"},
		{"every check's errors", []string{semantic}, exitError, "",
			semantic + `:1:10: listen: expected host:port, got "127.0.0.1" (write host:port, such as ":8443" or "127.0.0.1:8443")` + "\n" +
				semantic + `:5:9: site[0].root: folder "` + filepath.Join(dir, "missing") + `" does not exist (relative paths start at the file's folder, ` + dir + ")\n" +
				"trio: validate: " + semantic + ": 2 errors\n"},
		{"missing file", []string{filepath.Join(dir, "none.toml")}, exitError, "",
			filepath.Join(dir, "none.toml") + ": no such file (give the path of a TOML file, such as trio.toml)\n" +
				"trio: validate: " + filepath.Join(dir, "none.toml") + ": 1 error\n"},
		{"no file", nil, exitUsage, "", "trio: validate: give one config file, got 0 arguments\nRun 'trio validate -h' for usage.\n"},
		{"two files", []string{good, bad}, exitUsage, "", "trio: validate: give one config file, got 2 arguments\nRun 'trio validate -h' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"validate"}, tt.args...), &stdout, &stderr)
			if code != tt.code || stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("trio validate %q = %d\nstdout %q\nstderr %q\nwant %d\nstdout %q\nstderr %q",
					tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
