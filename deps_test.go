package trio_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportPolicy pins the layout of STYLE.md §1: imports point down, one
// protocol per folder, certmagic imported by tlsconf (and cluster, for its
// certmagic.Storage on NATS). It reads the non-test imports of every
// package in the module.
func TestImportPolicy(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/triohttp/trio"
	imports := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(strings.TrimPrefix(f[0], mod), "/")] = f[1:]
	}
	under := func(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }
	rules := []struct {
		pkg     string // "" is the root package
		banned  string // an import path prefix this package must not import
		because string
	}{
		{"static", "github.com/quic-go/", "static is a Handler and knows no protocol"},
		{"static", mod, "static imports no other trio package"},
		{"demo", "github.com/quic-go/", "demo is a Handler and knows no protocol"},
		{"", mod + "/static", "the root knows no site; cmd chooses the handler"},
		{"", mod + "/conformance", "only cmd imports the checker"},
		{"", "golang.org/x/net/http2", "the root wires Go's HTTP/2 engines through h2 (h2.StdServer), not itself"},
	}
	for _, r := range rules {
		for _, imp := range imports[r.pkg] {
			if strings.HasPrefix(imp, r.banned) {
				t.Errorf("package %q imports %s: %s", "/"+r.pkg, imp, r.because)
			}
		}
	}
	protos := []string{"h1", "h2", "h3"}
	for pkg, imps := range imports {
		for _, imp := range imps {
			if strings.HasPrefix(imp, "github.com/caddyserver/certmagic") && pkg != "tlsconf" && pkg != "cluster" && !strings.HasPrefix(pkg, "internal/") {
				t.Errorf("package %q imports certmagic; only tlsconf (and cluster's Storage) may", "/"+pkg)
			}
			if strings.HasPrefix(imp, mod+"/conformance") && pkg != "cmd/trio" && !strings.HasPrefix(pkg, "conformance") {
				t.Errorf("package %q imports conformance; only cmd/trio may", "/"+pkg)
			}
			trio, ok := strings.CutPrefix(imp, mod)
			if !ok || (trio != "" && trio[0] != '/') {
				continue // std or third party
			}
			trio = strings.TrimPrefix(trio, "/")
			if under(pkg, "internal") && !under(trio, "internal") {
				t.Errorf("package %q imports /%s: internal packages import only std, third-party and other internal packages (test helpers that need trio live in triotest)", "/"+pkg, trio)
			}
			if under(pkg, "cmd") && under(trio, "bench") && trio != "bench/load" {
				t.Errorf("package %q imports /%s: cmd imports no bench internals (only bench/load, the engine of `trio load`)", "/"+pkg, trio)
			}
			if under(trio, "triotest") && !under(pkg, "triotest") {
				t.Errorf("package %q imports /%s: only tests import triotest", "/"+pkg, trio)
			}
			for _, p := range protos {
				for _, q := range protos {
					if p != q && under(pkg, p) && under(trio, q) {
						t.Errorf("package %q imports /%s: h1, h2 and h3 never import each other; the root wires them", "/"+pkg, trio)
					}
				}
			}
		}
	}
	for _, want := range []string{"", "h1", "h2", "h3", "internal/workers", "cmd/trio", "triotest"} {
		if _, ok := imports[want]; !ok {
			t.Fatalf("go list did not list package %q; the policy checked nothing there", "/"+want)
		}
	}
}
