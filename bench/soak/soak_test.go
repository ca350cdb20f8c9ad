package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain serves a soak when this test binary is started as the soak's
// server (startServer runs os.Executable()).
func TestMain(m *testing.M) {
	if dir := os.Getenv(serveEnv); dir != "" {
		os.Exit(serve(dir, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSoakSmoke runs a soak of a few seconds: every sample read, every
// request answered, the WebSockets held, the report and chart written.
func TestSoakSmoke(t *testing.T) {
	dir := t.TempDir()
	o, err := parse([]string{"-d", "4s", "-every", "500ms", "-rate", "30", "-ws", "6", "-churn", "1s", "-warm", "1s", "-after", "1s", "-save", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, progress bytes.Buffer
	rep, err := soak(ctx, o, &out, &progress)
	if err != nil {
		t.Fatalf("soak: %v\nprogress:\n%s", err, progress.String())
	}
	t.Logf("report:\n%s", out.String())

	if n := len(rep.Series); n < 8 {
		t.Errorf("%d samples in 4 s at 500 ms; want at least 8", n)
	}
	for _, s := range rep.Series {
		if s.RSS == 0 || s.HeapInUse == 0 || s.Goroutines == 0 || s.FDs == 0 {
			t.Fatalf("sample at %v has a zero figure: %+v", s.T, s)
		}
	}
	if rep.Load.OK < 60 || rep.Load.Failed != 0 {
		t.Errorf("requests: %d ok, %d failed (errors %v); want at least 60 ok, none failed", rep.Load.OK, rep.Load.Failed, rep.Errs)
	}
	for _, p := range protos {
		if len(rep.Lat[p]) == 0 {
			t.Errorf("no %s request answered", p)
		}
	}
	if last := rep.Series[len(rep.Series)-1]; last.WSServer != 6 || rep.Load.WSDrops != 0 {
		t.Errorf("server holds %d WebSockets at the end, %d dropped; want 6, 0", last.WSServer, rep.Load.WSDrops)
	}
	for _, want := range []string{"series (one row a minute", "summary", "verdict: ", "RSS MiB", "goroutines", "fds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if len(rep.After) == 0 || rep.After[len(rep.After)-1].WSServer != 0 {
		t.Errorf("after the load: %d samples, the last %+v; want some, with no WebSocket open", len(rep.After), rep.After)
	}
	if !strings.Contains(out.String(), "after the load") {
		t.Error("report lacks the after-the-load line")
	}
	if !strings.Contains(progress.String(), "req/s") {
		t.Errorf("no live series on stderr:\n%s", progress.String())
	}

	txt, _ := filepath.Glob(filepath.Join(dir, "*-soak.txt"))
	svgs, _ := filepath.Glob(filepath.Join(dir, "*-soak.svg"))
	if len(txt) != 1 || len(svgs) != 1 {
		t.Fatalf("-save wrote %v and %v; want one .txt and one .svg", txt, svgs)
	}
	if b, _ := os.ReadFile(txt[0]); !bytes.Equal(b, out.Bytes()) {
		t.Errorf("%s differs from the report printed", txt[0])
	}
	checkSVG(t, svgs[0])
}

// checkSVG parses the chart and counts its series: RSS, heap in use and
// heap live, goroutines, fds.
func checkSVG(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	lines := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", file, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
			for _, a := range se.Attr {
				if a.Name.Local == "points" && strings.Count(a.Value, ",") < 8 {
					t.Errorf("a series has %d points; want a point per sample", strings.Count(a.Value, ","))
				}
			}
		}
	}
	if lines != 5 {
		t.Errorf("%s has %d series; want 5", file, lines)
	}
}

func TestParse(t *testing.T) {
	o, err := parse(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Duration != 10*time.Minute || o.Every != time.Second || o.WS != 300 {
		t.Errorf("defaults: -d %v -every %v -ws %d; want 10m0s 1s 300", o.Duration, o.Every, o.WS)
	}
	for _, args := range [][]string{{"-d", "0"}, {"-rate", "-1"}, {"extra"}} {
		if _, err := parse(args, io.Discard); err == nil {
			t.Errorf("parse(%q) = nil error; want one", args)
		}
	}
}

func TestTickLabel(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0s"}, {time.Minute, "1m"}, {90 * time.Second, "90s"}, {5 * time.Minute, "5m"}, {150 * time.Second, "2m30s"}} {
		if got := tickLabel(tc.d); got != tc.want {
			t.Errorf("tickLabel(%v) = %q; want %q", tc.d, got, tc.want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ v, top, step float64 }{
		{0, 1, 0.2}, {7, 8, 2}, {23.4, 25, 5}, {412, 500, 100}, {1000, 1000, 200},
	} {
		if top, step := niceScale(tc.v); top != tc.top || step != tc.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.v, top, step, tc.top, tc.step)
		}
	}
}
