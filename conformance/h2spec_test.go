package conformance

import (
	"os"
	"strings"
	"testing"
)

func TestParseJUnit(t *testing.T) {
	data, err := os.ReadFile("testdata/h2spec-report.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseJUnit(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, section string
		status      Status
		seen        string
	}{
		{"h2/generic/1/1", "RFC 9113 (h2spec generic)", Pass, "as expected"},
		{"h2/http2/6.5.3/1", "RFC 7540 §6.5.3", Pass, "as expected"},
		{"h2/http2/6.5.3/2", "RFC 7540 §6.5.3", Fail, "Actual: Connection closed ?raw"},
		{"h2/hpack/4.2/1", "RFC 7541 §4.2", Skip, "not applicable"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results; want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Section != w.section || g.Status != w.status || !strings.Contains(g.Seen, w.seen) {
			t.Errorf("result %d = %s %s %s %q; want %s %s %s ~%q", i, g.ID, g.Section, g.Status, g.Seen, w.id, w.section, w.status, w.seen)
		}
	}
	if _, err := parseJUnit([]byte("<testsuites><testsuite>")); err == nil {
		t.Error("truncated XML: no error")
	}
}

func FuzzParseJUnit(f *testing.F) {
	if data, err := os.ReadFile("testdata/h2spec-report.xml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("<testsuites/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parseJUnit(data)
		if err != nil {
			return
		}
		for _, r := range res {
			if r.Status != Pass && r.Status != Fail && r.Status != Skip {
				t.Fatalf("status %q", r.Status)
			}
		}
	})
}
