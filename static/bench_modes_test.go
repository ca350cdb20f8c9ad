package static_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/triohttp/trio/static"
	"github.com/triohttp/trio/triotest"
)

// BenchmarkModes serves 1 KiB (from memory) and 100 KiB (from disk) over
// every protocol of internal/triotest.
func BenchmarkModes(b *testing.B) {
	root := b.TempDir()
	os.WriteFile(filepath.Join(root, "1k.bin"), make([]byte, 1<<10), 0o644)
	os.WriteFile(filepath.Join(root, "100k.bin"), make([]byte, 100<<10), 0o644)
	h := &static.Handler{Root: root}
	for _, m := range triotest.Modes {
		b.Run(string(m), func(b *testing.B) {
			ts := triotest.New(b, m, h)
			for _, size := range []int{1 << 10, 100 << 10} {
				name := "1k.bin"
				if size > 1<<10 {
					name = "100k.bin"
				}
				b.Run(name, func(b *testing.B) {
					req, _ := http.NewRequest("GET", ts.URL+"/"+name, nil)
					b.ReportAllocs()
					b.SetBytes(int64(size))
					for b.Loop() {
						res, err := ts.Client.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
				})
			}
		})
	}
}
