package static

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/triohttp/trio/triotest"
)

// countFS counts opens per name.
type countFS struct {
	fileSystem
	mu    sync.Mutex
	opens map[string]int
}

func (c *countFS) Open(name string) (*os.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.fileSystem.Open(name)
}

func (c *countFS) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens[name]
}

// newCounted returns a handler on a fresh tree whose disk opens are counted.
func newCounted(t *testing.T, files map[string]string) (*Handler, *countFS) {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfs := &countFS{opens: map[string]int{}}
	h := &Handler{Root: root}
	h.wrap = func(fsys fileSystem) fileSystem { cfs.fileSystem = fsys; return cfs }
	return h, cfs
}

func TestCompressOnce(t *testing.T) {
	text := strings.Repeat("compress once, serve many times\n", 4000) // 128 KiB: not a memory file
	h, cfs := newCounted(t, map[string]string{"a.txt": text})
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := range 32 {
		wg.Go(func() {
			ae := []string{"br", "zstd", "gzip"}[i%3]
			r := httptest.NewRequest("GET", "/a.txt", nil)
			r.Header.Set("Accept-Encoding", ae)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Header().Get("Content-Encoding") != ae || w.Body.Len() >= len(text) {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d responses were not compressed", bad.Load())
	}
	if n := cfs.count("a.txt"); n != 3 {
		t.Errorf("a.txt opened %d times for 32 requests in 3 codings; want 3", n)
	}
}

func TestSmallFileFromMemory(t *testing.T) {
	h, cfs := newCounted(t, map[string]string{"a.txt": "small"})
	for range 5 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/a.txt", nil))
		if w.Body.String() != "small" {
			t.Fatalf("body = %q; want %q", w.Body, "small")
		}
	}
	if n := cfs.count("a.txt"); n != 1 {
		t.Errorf("a.txt opened %d times for 5 requests; want 1", n)
	}
}

// readFromRecorder records what ReadFrom is given, as net/http's
// ResponseWriter would hand it to sendfile.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	src io.Reader
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.src = src
	return io.Copy(r.ResponseRecorder, src)
}

func TestSendfilePath(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "big.bin"), make([]byte, 300<<10), 0o644)
	h := &Handler{Root: root}
	for _, rng := range []string{"", "bytes=1000-"} {
		w := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
		r := httptest.NewRequest("GET", "/big.bin", nil)
		if rng != "" {
			r.Header.Set("Range", rng)
		}
		h.ServeHTTP(w, r)
		lr, ok := w.src.(*io.LimitedReader)
		if !ok {
			t.Fatalf("Range %q: ReadFrom got %T; want *io.LimitedReader", rng, w.src)
		}
		if _, ok := lr.R.(*os.File); !ok {
			t.Errorf("Range %q: ReadFrom got a LimitedReader of %T; want *os.File", rng, lr.R)
		}
	}
}

// hideReaderFrom is a ResponseWriter without ReadFrom, as over HTTP/2.
type hideReaderFrom struct{ http.ResponseWriter }

// TestShortFileAborts checks that a body cut short by the file is never
// reported complete, over every protocol and over cleartext HTTP/1.1
// (sendfile) with and without io.ReaderFrom. The second size is past
// mapMin, so HTTP/1.1 over TLS sends it from a mapping whose end is past
// the file's and faults there.
func TestShortFileAborts(t *testing.T) {
	for _, size := range []int64{100 << 10, 2 << 20} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) { testShortFileAborts(t, size) })
	}
}

func testShortFileAborts(t *testing.T, size int64) {
	root := t.TempDir()
	p := filepath.Join(root, "f")
	os.WriteFile(p, make([]byte, size), 0o644)
	handler := func(hide bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fd, err := os.Open(p)
			if err != nil {
				t.Error(err)
				return
			}
			defer fd.Close()
			w.Header().Set("Content-Length", strconv.FormatInt(2*size, 10)) // the file "shrank" to half
			if hide {
				w = hideReaderFrom{w}
			}
			sendRange(w, r, fd, 0, 2*size)
		})
	}
	check := func(t *testing.T, c *http.Client, url string) {
		t.Helper()
		res, err := c.Get(url)
		if err != nil {
			return // aborted before the header arrived
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil {
			t.Errorf("read %d bytes and no error; want the response aborted", n)
		}
	}
	for _, hide := range []bool{false, true} {
		ts := httptest.NewServer(handler(hide))
		check(t, ts.Client(), ts.URL)
		ts.Close()
	}
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		ts := triotest.New(t, m, handler(false))
		check(t, ts.Client, ts.URL+"/f")
	})
}

// TestLargeRanges serves a file past mapMin whole and in ranges that start
// and end off page boundaries, over every protocol (HTTP/1.1 over TLS sends
// it from a mapping), and checks every byte.
func TestLargeRanges(t *testing.T) {
	root := t.TempDir()
	body := make([]byte, 3<<20+123)
	for i := range body {
		body[i] = byte(i*7 + i>>12)
	}
	if err := os.WriteFile(filepath.Join(root, "big.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Root: root}
	triotest.Run(t, func(t *testing.T, m triotest.Mode) {
		ts := triotest.New(t, m, h)
		for _, tc := range []struct {
			rng        string
			start, end int // of body, end exclusive
		}{
			{"", 0, len(body)},
			{"bytes=4097-", 4097, len(body)},
			{"bytes=1000-2099999", 1000, 2100000},
			{"bytes=-1048577", len(body) - 1048577, len(body)},
		} {
			req, _ := http.NewRequest("GET", ts.URL+"/big.bin", nil)
			if tc.rng != "" {
				req.Header.Set("Range", tc.rng)
			}
			res, err := ts.Client.Do(req)
			if err != nil {
				t.Fatalf("Range %q: %v", tc.rng, err)
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatalf("Range %q: reading body: %v", tc.rng, err)
			}
			if want := body[tc.start:tc.end]; !bytes.Equal(got, want) {
				t.Errorf("Range %q: got %d bytes, equal=false; want %d bytes from %d", tc.rng, len(got), len(want), tc.start)
			}
		}
	})
}

func TestBlobCacheEvicts(t *testing.T) {
	c := &blobCache{max: 3 * (100 + blobOverhead)}
	fills := 0
	get := func(name string) {
		c.get(blobKey{name: name}, func() ([]byte, error) { fills++; return make([]byte, 100), nil })
	}
	for _, n := range []string{"a", "b", "c", "a", "d", "a", "b"} {
		get(n)
	}
	// a b c fill; a hits; d evicts b (least recent); a hits; b refills, evicting c.
	if fills != 5 {
		t.Errorf("fills = %d; want 5", fills)
	}
	if c.bytes > c.max {
		t.Errorf("bytes = %d; want at most %d", c.bytes, c.max)
	}
	if _, ok := c.m[blobKey{name: "c"}]; ok {
		t.Errorf("c still cached; want it evicted")
	}
	c.get(blobKey{name: "huge"}, func() ([]byte, error) { return make([]byte, c.max), nil })
	if _, ok := c.m[blobKey{name: "huge"}]; ok || c.bytes > c.max {
		t.Errorf("an entry larger than the cache was kept")
	}
}

func TestRootReplaced(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{"v1", "v2"} {
		os.Mkdir(filepath.Join(dir, rel), 0o755)
		os.WriteFile(filepath.Join(dir, rel, "index.html"), []byte(rel), 0o644)
	}
	cur := filepath.Join(dir, "current")
	os.Symlink("v1", cur)
	h := &Handler{Root: cur}
	body := func() string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w.Body.String()
	}
	if got := body(); got != "v1" {
		t.Fatalf("body = %q; want v1", got)
	}
	os.Symlink("v2", cur+".new")
	os.Rename(cur+".new", cur)
	h.st.root.cur.Load().checked.Store(0) // as if a second had passed
	if got := body(); got != "v2" {
		t.Errorf("after the deploy, body = %q; want v2", got)
	}
}

// statFS makes Stat fail for one name, as a file removed after resolving.
type statFS struct {
	fileSystem
	gone string
}

func (s statFS) Open(name string) (*os.File, error) {
	if name == s.gone {
		return nil, fs.ErrNotExist
	}
	return s.fileSystem.Open(name)
}

func TestSidecarVanished(t *testing.T) {
	css := strings.Repeat("a { color: red }\n", 100)
	h, _ := newCounted(t, map[string]string{"s.css": css, "s.css.br": "not really brotli"})
	h.MaxMemoryFile = -1
	h.wrap = func(fsys fileSystem) fileSystem { return statFS{fsys, "s.css.br"} }
	r := httptest.NewRequest("GET", "/s.css", nil)
	r.Header.Set("Accept-Encoding", "br")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Header().Get("Content-Encoding") != "br" || w.Body.String() == "not really brotli" {
		t.Errorf("Content-Encoding %q body %.20q; want brotli made on the fly", w.Header().Get("Content-Encoding"), w.Body)
	}
}
