package conformance

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		statuses []Status
		want     string
	}{
		{nil, "0 passed, 0 failed"},
		{[]Status{Pass, Pass, Fail}, "2 passed, 1 failed"},
		{[]Status{Pass, Skip, Skip}, "1 passed, 0 failed, 2 skipped"},
	} {
		rep := &Report{}
		for _, s := range tc.statuses {
			rep.Results = append(rep.Results, Result{ID: "x/y", Status: s})
		}
		if got := rep.Summary(); got != tc.want {
			t.Errorf("Summary(%v) = %q; want %q", tc.statuses, got, tc.want)
		}
		if got, want := rep.Failed(), strings.Contains(tc.want, " 1 failed"); got != want {
			t.Errorf("Failed(%v) = %v; want %v", tc.statuses, got, want)
		}
	}
}

func TestWriteTextAndJSON(t *testing.T) {
	rep := &Report{Target: "https://example.test/", Results: []Result{
		{Suite: "h1", ID: "h1/a", Section: "RFC 9112 §1", Expect: "does a", Status: Pass, Seen: "did\na"},
		{Suite: "h1", ID: "h1/b", Section: "RFC 9112 §2", Expect: "does b", Status: Fail, Seen: "did c"},
	}}
	var text bytes.Buffer
	rep.WriteText(&text)
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PASS h1/a") || !strings.HasSuffix(lines[0], "did a") ||
		!strings.HasPrefix(lines[1], "FAIL h1/b") || lines[2] != "1 passed, 1 failed" {
		t.Errorf("WriteText:\n%s", text.String())
	}
	var js bytes.Buffer
	rep.WriteJSON(&js)
	var got struct {
		Target         string
		Passed, Failed int
		Results        []Result
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Target != rep.Target || got.Passed != 1 || got.Failed != 1 || len(got.Results) != 2 || got.Results[1].Seen != "did c" {
		t.Errorf("WriteJSON = %+v", got)
	}
}

func TestRunErrors(t *testing.T) {
	for _, target := range []string{"ftp://x/", "http://", "::"} {
		if _, err := Run(t.Context(), target, nil); err == nil {
			t.Errorf("Run(%q): no error", target)
		}
	}
	if _, err := Run(t.Context(), "http://127.0.0.1:1/", &Options{Suites: []string{"nope"}}); err == nil ||
		!strings.Contains(err.Error(), `unknown suite "nope"`) {
		t.Errorf("unknown suite: err = %v", err)
	}
}

// TestCaseIDs checks ids are unique and every case has a section and an
// expectation.
func TestCaseIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range suites() {
		for _, c := range s.cases {
			if seen[c.id] || !strings.HasPrefix(c.id, s.name+"/") || c.section == "" || c.expect == "" {
				t.Errorf("case %q in %s: duplicate, misnamed, or without section or expectation", c.id, s.name)
			}
			seen[c.id] = true
		}
	}
}
