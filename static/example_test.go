package static_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/triohttp/trio/static"
)

func Example() {
	root, _ := os.MkdirTemp("", "site")
	defer os.RemoveAll(root)
	os.WriteFile(filepath.Join(root, "index.html"), []byte("<h1>hi</h1>\n"), 0o644)
	os.WriteFile(filepath.Join(root, "about.html"), []byte("<h1>about</h1>\n"), 0o644)

	h := &static.Handler{Root: root, CleanURLs: true}
	for _, p := range []string{"/", "/about", "/missing", "/../etc/passwd"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		fmt.Printf("%s %d %s\n", p, w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// / 200 text/html; charset=utf-8
	// /about 200 text/html; charset=utf-8
	// /missing 404 text/plain; charset=utf-8
	// /../etc/passwd 400 text/plain; charset=utf-8
}
