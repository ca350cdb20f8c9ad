package trio_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportPolicy pins the layout of STYLE.md §1: imports point down, one
// protocol per folder, certmagic imported by tlsconf (and cluster, for its
// certmagic.Storage on NATS).
func TestImportPolicy(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/triohttp/trio"
	imports := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(strings.TrimPrefix(f[0], mod), "/")] = f[1:]
	}
	rules := []struct {
		pkg     string // "" is the root package
		banned  string // an import path prefix this package must not import
		because string
	}{
		{"h1", mod + "/h2", "h1, h2 and h3 never import each other; the root wires them"},
		{"h1", mod + "/h3", "h1, h2 and h3 never import each other"},
		{"h2", mod + "/h1", "h1, h2 and h3 never import each other"},
		{"h2", mod + "/h3", "h1, h2 and h3 never import each other"},
		{"h3", mod + "/h1", "h1, h2 and h3 never import each other"},
		{"h3", mod + "/h2", "h1, h2 and h3 never import each other"},
		{"static", "github.com/quic-go/", "static is a Handler and knows no protocol"},
		{"static", mod, "static imports no other trio package"},
		{"demo", "github.com/quic-go/", "demo is a Handler and knows no protocol"},
		{"", mod + "/static", "the root knows no site; cmd chooses the handler"},
		{"", mod + "/conformance", "only cmd imports the checker"},
	}
	for _, r := range rules {
		for _, imp := range imports[r.pkg] {
			if strings.HasPrefix(imp, r.banned) {
				t.Errorf("package %q imports %s: %s", "/"+r.pkg, imp, r.because)
			}
		}
	}
	for pkg, imps := range imports {
		for _, imp := range imps {
			if strings.HasPrefix(imp, "github.com/caddyserver/certmagic") && pkg != "tlsconf" && pkg != "cluster" && !strings.HasPrefix(pkg, "internal/") {
				t.Errorf("package %q imports certmagic; only tlsconf (and cluster's Storage) may", "/"+pkg)
			}
			if strings.HasPrefix(imp, mod+"/conformance") && pkg != "cmd/trio" && !strings.HasPrefix(pkg, "conformance") {
				t.Errorf("package %q imports conformance; only cmd/trio may", "/"+pkg)
			}
		}
	}
	if len(imports) < 8 {
		t.Fatalf("go list saw only %d packages; the policy checked nothing", len(imports))
	}
}
