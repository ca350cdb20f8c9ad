package static

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		target string // request-target as sent
		name   string // "" means refused
		slash  bool
	}{
		{"/", ".", true},
		{"/a.txt", "a.txt", false},
		{"/dir/", "dir", true},
		{"/a//b/./c", "a/b/c", false},
		{"/a/.", "a", false},
		{"/../a", "", false},
		{"/a/../b", "", false},
		{"/a/..", "", false},
		{"/%2e%2e/a", "", false},
		{"/%2E%2e/a", "", false},
		{"/a%2fb", "", false},
		{"/a%2Fb", "", false},
		{"/a%5cb", "", false},
		{"/a%00", "", false},
		{"/%252e%252e/a", "%2e%2e/a", false},
		{"/%252f", "%2f", false},
		{"/caf%C3%A9", "café", false},
		{"/..%2f..%2fetc/passwd", "", false},
		{"/a/...", "a/...", false},
		{"/a/..b", "a/..b", false},
		{"/%c0%ae%c0%ae/a", "", false},
	}
	for _, tt := range tests {
		u, err := url.ParseRequestURI(tt.target)
		if err != nil {
			t.Fatalf("ParseRequestURI(%q): %v", tt.target, err)
		}
		name, slash, err := cleanPath(u)
		if tt.name == "" {
			if err == nil {
				t.Errorf("cleanPath(%q) = %q; want error", tt.target, name)
			}
			continue
		}
		if err != nil || name != tt.name || slash != tt.slash {
			t.Errorf("cleanPath(%q) = %q, %v, %v; want %q, %v", tt.target, name, slash, err, tt.name, tt.slash)
		}
	}
	for _, p := range []string{"", "a", "/a\\b", "/a\x00"} {
		if name, _, err := cleanPath(&url.URL{Path: p}); err == nil {
			t.Errorf("cleanPath(Path %q) = %q; want error", p, name)
		}
	}
}

func TestHidden(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".", false},
		{"a.txt", false},
		{".env", true},
		{"a/.git/config", true},
		{"a/b.c/d", false},
		{".well-known", false},
		{".well-known/acme-challenge/x", false},
		{".well-known/.x", true},
		{".well-knownx", true},
		{"a/.well-known/x", true},
	}
	for _, tt := range tests {
		if got := hidden(tt.name); got != tt.want {
			t.Errorf("hidden(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// watchFS checks every name the handler hands to the file system, and that
// every file it opens is inside root.
type watchFS struct {
	fsys   fileSystem
	root   string // real path of the root
	follow bool   // symlinks may lead out
	t      *testing.T
}

func (w watchFS) check(name string) {
	w.t.Helper()
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		w.t.Fatalf("file system got name %q", name)
	}
	abs := filepath.Join(w.root, filepath.FromSlash(name))
	if rel, err := filepath.Rel(w.root, abs); err != nil || strings.HasPrefix(rel, "..") {
		w.t.Fatalf("name %q resolves outside the root", name)
	}
}

func (w watchFS) Open(name string) (*os.File, error) {
	w.check(name)
	f, err := w.fsys.Open(name)
	if err == nil {
		real, rerr := filepath.EvalSymlinks(f.Name())
		if rerr == nil && !w.follow && real != w.root && !strings.HasPrefix(real, w.root+string(filepath.Separator)) {
			w.t.Fatalf("opened %q outside the root", real)
		}
	}
	return f, err
}

func (w watchFS) Stat(name string) (fs.FileInfo, error) {
	w.check(name)
	return w.fsys.Stat(name)
}

// fuzzRoot builds a small tree with symlinks out of it, once per process.
var fuzzRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "static-fuzz")
	if err != nil {
		return "", err
	}
	dir, _ = filepath.EvalSymlinks(dir)
	root := filepath.Join(dir, "root")
	for _, d := range []string{"root/sub", "outside"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "outside/secret"), []byte("SECRET"), 0o644)
	os.WriteFile(filepath.Join(root, "index.html"), []byte("index"), 0o644)
	os.WriteFile(filepath.Join(root, "sub/a.txt"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(root, ".env"), []byte("SECRET"), 0o644)
	os.Symlink("../outside/secret", filepath.Join(root, "link"))
	os.Symlink("../../outside", filepath.Join(root, "sub/out"))
	return root, nil
})

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"/", "/index.html", "/sub/a.txt", "/../outside/secret", "/%2e%2e/outside/secret",
		"/sub%2f..%2f..%2foutside/secret", "/sub\\..\\..\\outside", "/index.html%00.png",
		"/%252e%252e/outside/secret", "/link", "/sub/out/secret", "/.env", "/sub/../../outside/secret",
		"//outside/secret", "/sub/./a.txt", "/%c0%ae%c0%ae/outside", "/sub/..", "/.well-known/../.env",
	} {
		f.Add(s)
	}
	root, err := fuzzRoot()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target string) {
		for _, follow := range []bool{false, true} {
			h := &Handler{Root: root, Browse: true, CleanURLs: true, SPA: true, FollowSymlinks: follow}
			h.wrap = func(fsys fileSystem) fileSystem { return watchFS{fsys, root, follow, t} }
			req := &http.Request{Method: "GET", URL: &url.URL{Path: target}, Header: http.Header{}}
			if u, err := url.ParseRequestURI(target); err == nil {
				req.URL = u // as a server would decode it
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			body := w.Body.String()
			if strings.Contains(body, "SECRET") && !follow {
				t.Fatalf("%q served a file outside the root or a dotfile", target)
			}
			if strings.Contains(body, filepath.Dir(root)) {
				t.Fatalf("%q: body reveals a host path: %q", target, body)
			}
			switch w.Code {
			case 200, 308, 400, 404:
			default:
				t.Fatalf("%q: status %d", target, w.Code)
			}
		}
	})
}
