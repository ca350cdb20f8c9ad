package h2

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/h2spec"
	"github.com/triohttp/trio/internal/testtool"
)

// h2specHandler answers every request with a small body, draining any
// request body first.
func h2specHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, strings.Repeat("h2spec ", 100))
}

// h2specNoReadHandler answers at once with 1 KiB, never reading the
// request body, as a static file handler does: the engine alone must keep
// checking the request side of the stream.
func h2specNoReadHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(h2specBody)
}

var h2specBody = bytes.Repeat([]byte("x"), 1024)

// TestH2Spec runs h2spec's 145 cases against trio's engine over TLS and
// h2c, with and without --strict, with a handler that drains the request
// body and one that never reads it.
func TestH2Spec(t *testing.T) {
	bin := testtool.Path(t, "h2spec")
	handlers := []struct {
		name string
		h    http.HandlerFunc
	}{{"drain", h2specHandler}, {"noread", h2specNoReadHandler}}
	for _, hh := range handlers {
		for _, m := range []mode{{EngineTrio, true}, {EngineTrio, false}} {
			for _, strict := range []bool{false, true} {
				name := hh.name + "/" + m.String()
				if strict {
					name += "-strict"
				}
				t.Run(name, func(t *testing.T) {
					ts := newTestServer(t, m, hh.h, nil)
					runH2Spec(t, bin, ts.addr, m.tls, strict)
				})
			}
		}
	}
}

func runH2Spec(t *testing.T, bin, addr string, useTLS, strict bool) {
	_, port, _ := strings.Cut(addr, ":")
	cases, out, err := h2spec.Run(context.Background(), bin, h2spec.Options{Host: "127.0.0.1", Port: port, TLS: useTLS, Strict: strict})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var failed []string
	for _, c := range cases {
		if c.Status == h2spec.Failed {
			failed = append(failed, fmt.Sprintf("%s %s%s", c.Package, c.Classname, c.Name))
		}
	}
	t.Logf("h2spec: %d cases, %d failed", len(cases), len(failed))
	if len(failed) > 0 || len(cases) < 145 {
		t.Errorf("h2spec: %d of %d cases failed:\n%s\n\n%s", len(failed), len(cases), strings.Join(failed, "\n"), tail(out, 6000))
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
