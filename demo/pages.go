package demo

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/triohttp/trio/static"
)

//go:embed site
var siteFS embed.FS

// pages serves the embedded pages with package static, as `trio serve DIR`
// serves a directory: strong ETags, conditional and range requests,
// compression by Accept-Encoding. static serves files on disk, so the
// pages are unpacked once into a directory named after their content (see
// unpack) when the first request comes.
func pages() http.Handler {
	var (
		once sync.Once
		h    http.Handler
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			dir, err := unpack(siteFS, "site")
			if err != nil {
				h = unavailable(err)
				return
			}
			sh := static.New(dir)
			sh.Browse = false
			h = sh
		})
		h.ServeHTTP(w, r)
	})
}

// unavailable answers 500 with why the pages could not be unpacked.
func unavailable(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "demo: "+err.Error(), http.StatusInternalServerError)
	})
}

// unpack writes the files under root in fsys to a directory named after
// their SHA-256, in the user's cache directory (the system's temporary
// directory if there is none), and returns it. A directory of that name is
// complete (it is renamed into place once written), so later starts of the
// same build reuse it.
func unpack(fsys fs.FS, root string) (string, error) {
	sub, err := fs.Sub(fsys, root)
	if err != nil {
		return "", err
	}
	sum, err := contentSum(sub)
	if err != nil {
		return "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	parent := filepath.Join(base, "trio")
	dir := filepath.Join(parent, "demo-"+sum)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("unpacking the site: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "demo-unpacking-")
	if err != nil {
		return "", fmt.Errorf("unpacking the site: %w", err)
	}
	if err := os.CopyFS(tmp, sub); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpacking the site: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() { // another process was first
			return dir, nil
		}
		return "", fmt.Errorf("unpacking the site: %w", err)
	}
	return dir, nil
}

// contentSum is the first 16 hex digits of a SHA-256 over the names and
// contents of the files in fsys.
func contentSum(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
