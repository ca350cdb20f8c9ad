package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// A Status is the outcome of one case.
type Status string

// The outcomes of a case.
const (
	Pass Status = "PASS" // the server did what the RFC requires
	Fail Status = "FAIL" // it did not; Seen says what it did
	Skip Status = "SKIP" // the case could not run; Seen says why
)

// A Result is one case run against a target.
type Result struct {
	Suite   string `json:"suite"`   // "h1", "h2", ...
	ID      string `json:"id"`      // "h1/cl-te", unique across suites
	Section string `json:"section"` // "RFC 9112 §6.1"
	Expect  string `json:"expect"`  // one line: what a conforming server does
	Status  Status `json:"status"`
	Seen    string `json:"seen"` // what the server did, or why the case was skipped
}

// A Report is the outcome of Run: every case of every suite asked for, in order.
type Report struct {
	Target   string        `json:"target"`
	Results  []Result      `json:"results"`
	Duration time.Duration `json:"duration_ns"`
}

// Count returns how many results have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// Failed reports whether any case failed.
func (r *Report) Failed() bool { return r.Count(Fail) > 0 }

// Summary is the last line of the text report: "N passed, M failed", plus
// ", K skipped" when any case was skipped.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed", r.Count(Pass), r.Count(Fail))
	if k := r.Count(Skip); k > 0 {
		s += fmt.Sprintf(", %d skipped", k)
	}
	return s
}

// Lookup returns the result of the case with the given id.
func (r *Report) Lookup(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.ID == id {
			return res, true
		}
	}
	return Result{}, false
}

// String formats res as one line: status, id, section, expectation, seen.
func (res Result) String() string {
	return fmt.Sprintf("%s %-34s %-16s %s: %s", res.Status, res.ID, res.Section, res.Expect, oneLine(res.Seen))
}

// WriteText writes one line per case and the summary line.
func (r *Report) WriteText(w io.Writer) error {
	for _, res := range r.Results {
		if _, err := fmt.Fprintln(w, res); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// WriteJSON writes the report as one indented JSON object with the counts.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Report
		Passed  int `json:"passed"`
		Failed  int `json:"failed"`
		Skipped int `json:"skipped"`
	}{r, r.Count(Pass), r.Count(Fail), r.Count(Skip)})
}

// oneLine flattens s for a one-line report and bounds its length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
