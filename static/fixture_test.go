package static_test

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// Fixture contents, shared by the tests.
var (
	indexHTML = "<!doctype html><h1>home</h1>\n"
	helloTXT  = "hello, world\n"
	bigTXT    = strings.Repeat("All work and no play makes Jack a dull boy.\n", 500) // 22 KiB
	cssText   = strings.Repeat("body { margin: 0; padding: 0; color: #333; }\n", 40)
	largeBin  = randomBytes(200 << 10)
	fixedTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

// randomBytes returns n incompressible bytes, the same on every run.
func randomBytes(n int) []byte {
	r := rand.NewChaCha8([32]byte{1})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// newFixture builds the site tree the tests serve and returns its root and
// a directory outside it holding "secret.txt".
func newFixture(t testing.TB) (root, outside string) {
	t.Helper()
	root, outside = t.TempDir(), t.TempDir()
	files := map[string]string{
		"index.html":                indexHTML,
		"about.html":                "<h1>about</h1>\n",
		"hello.txt":                 helloTXT,
		"big.txt":                   bigTXT,
		"large.bin":                 string(largeBin),
		"app.3f2a9c1b.js":           strings.Repeat("console.log('hi');\n", 100),
		"style.css":                 cssText,
		"style.css.br":              string(brotliBytes(cssText)),
		"style.css.gz":              string(gzipBytes(cssText)),
		"data.json":                 `{"a":1}`,
		"img.png":                   string(randomBytes(3000)),
		"empty.txt":                 "",
		"LICENSE":                   "Permission is hereby granted, free of charge.\n",
		"404.html":                  "<h1>not here</h1>\n",
		".secret":                   "token",
		".well-known/security.txt":  "Contact: mailto:sec@example.com\n",
		".well-known/.hidden":       "no",
		"dir/a.txt":                 "a",
		"dir/b/c.txt":               "c",
		"dir/x<y>&.txt":             "esc",
		"dir/.dot":                  "dot",
		"docs/index.html":           "<h1>docs</h1>\n",
		"deep/er/file.txt":          "deep",
		"%2e%2e/odd.txt":            "odd",
		"sub/page.html":             "<h1>page</h1>\n",
		"withindex/index.html":      "<h1>withindex</h1>\n",
		"withindex/nested/z.txt":    "z",
		"assets/index-BZ3xk2aQ.css": "a{}",
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, fixedTime, fixedTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"escape.txt":  filepath.Join(outside, "secret.txt"),
		"escapedir":   outside,
		"relescape":   "../" + filepath.Base(outside) + "/secret.txt",
		"inside.txt":  "hello.txt",
		"insidedir":   "dir",
		"dir/up.txt":  "../hello.txt",
		"dir/out.txt": "../../" + filepath.Base(outside) + "/secret.txt",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func gzipBytes(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func brotliBytes(s string) []byte {
	var b bytes.Buffer
	w := brotli.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}
