package static

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// fileSystem is how the handler touches the disk. Names are slash-separated,
// relative to the root and valid per [fs.ValidPath].
type fileSystem interface {
	Open(name string) (*os.File, error)
	Stat(name string) (fs.FileInfo, error)
}

// rootFS confines every access with an [os.Root]: symlinks inside the root
// are followed, symlinks that leave it fail.
type rootFS struct{ root *os.Root }

func (r rootFS) Open(name string) (*os.File, error)    { return r.root.Open(name) }
func (r rootFS) Stat(name string) (fs.FileInfo, error) { return r.root.Stat(name) }

// dirFS follows every symlink (Handler.FollowSymlinks); names are still
// confined lexically.
type dirFS string

func (d dirFS) Open(name string) (*os.File, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrInvalid
	}
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

func (d dirFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrInvalid
	}
	return os.Stat(filepath.Join(string(d), filepath.FromSlash(name)))
}

// rootCheckInterval is how often the root path is checked for replacement.
const rootCheckInterval = time.Second

// rootDir opens the root lazily and reopens it when the path names another
// directory (a deploy that swaps a "current" symlink or renames a directory),
// checked at most once per rootCheckInterval.
type rootDir struct {
	path   string
	follow bool
	wrap   func(fileSystem) fileSystem // test hook; nil in production

	mu  sync.Mutex // serializes reopening
	cur atomic.Pointer[openRoot]
}

// openRoot is one opened root and when its identity was last confirmed.
type openRoot struct {
	fsys    fileSystem
	dev     uint64
	ino     uint64
	checked atomic.Int64 // unix nanoseconds
}

// get returns the file system for the current root.
func (d *rootDir) get(now time.Time) (fileSystem, error) {
	if o := d.cur.Load(); o != nil && now.UnixNano()-o.checked.Load() < int64(rootCheckInterval) {
		return o.fsys, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.cur.Load()
	fi, err := os.Stat(d.path)
	if err != nil {
		if o != nil { // keep serving the open directory
			o.checked.Store(now.UnixNano())
			return o.fsys, nil
		}
		return nil, err
	}
	dev, ino := fileID(fi)
	if o != nil && o.dev == dev && o.ino == ino {
		o.checked.Store(now.UnixNano())
		return o.fsys, nil
	}
	var fsys fileSystem = dirFS(d.path)
	if !d.follow {
		r, err := os.OpenRoot(d.path)
		if err != nil {
			return nil, err
		}
		fsys = rootFS{r} // the replaced Root is closed by its finalizer
	}
	if d.wrap != nil {
		fsys = d.wrap(fsys)
	}
	n := &openRoot{fsys: fsys, dev: dev, ino: ino}
	n.checked.Store(now.UnixNano())
	d.cur.Store(n)
	return fsys, nil
}
