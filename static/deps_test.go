package static_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps pins the import policy: static knows no protocol and no other
// trio package; only the standard library and the compression libraries.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	allowed := []string{"github.com/klauspost/compress", "github.com/andybalholm/brotli", "github.com/triohttp/trio/static"}
	for _, dep := range strings.Fields(string(out)) {
		ok := false
		for _, a := range allowed {
			ok = ok || dep == a || strings.HasPrefix(dep, a+"/")
		}
		if !ok {
			t.Errorf("static imports %s; want only std and compression libraries", dep)
		}
	}
}
