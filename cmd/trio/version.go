package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

func init() {
	commands["version"] = command{func(_ context.Context, _ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}, "print the version"}
}

// version is set at build time with -ldflags "-X main.version=v1.2.3"; if
// unset, the module version from the build info is used.
var version = ""

// versionLine is what `trio version` prints: trio's version and those of the
// protocol libraries it was built with.
func versionLine() string {
	v, deps := version, []string{runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/quic-go/quic-go", "golang.org/x/net", "github.com/caddyserver/certmagic":
				deps = append(deps, d.Path[strings.LastIndex(d.Path, "/")+1:]+" "+d.Version)
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	return "trio " + v + " (" + strings.Join(deps, ", ") + ")"
}
