package httpmsg

import (
	"net/http"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	d := Date()
	after := time.Now()
	got, err := http.ParseTime(d)
	if err != nil {
		t.Fatalf("Date() = %q: %v", d, err)
	}
	if got.Before(before) || got.After(after) {
		t.Errorf("Date() = %q; want a time in [%v, %v]", d, before, after)
	}
	if b := AppendDate([]byte("Date: ")); len(b) != len("Date: ")+len(http.TimeFormat) {
		t.Errorf("AppendDate = %q; want Date: and a time in http.TimeFormat", b)
	}
	if a := testing.AllocsPerRun(100, func() { Date() }); a > 0.1 {
		t.Errorf("Date: %v allocations per call; want none within a second", a)
	}
}
