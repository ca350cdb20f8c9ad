package loadtest

import (
	"testing"
	"time"
)

// WaitSent waits until l has completed n more requests, at most 20s.
func (l *Load) WaitSent(t testing.TB, n int) {
	t.Helper()
	want := l.Sent() + n
	deadline := time.Now().Add(20 * time.Second)
	for l.Sent() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests after 20s; want %d", l.Sent(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Check fails t for any request that failed or came over the wrong
// protocol, for a WebSocket that broke or echoed nothing, and for a
// request that saw the wrong body: before if it was done before the
// reload began (at reloaded), after if it started after the reload was
// done (at after).
func Check(t testing.TB, results []Result, wsErrs []error, echoes map[string]int, reloaded, after time.Time, before, afterBody string) {
	t.Helper()
	perProto := map[string]int{}
	var newer int
	for _, res := range results {
		perProto[res.Proto]++
		switch {
		case res.Err != nil || res.Status != 200 || !res.ProtoOK:
			t.Errorf("%s request at %v: status %d, error %v, right protocol %v", res.Proto, res.Start, res.Status, res.Err, res.ProtoOK)
		case res.End.Before(reloaded) && res.Body != before:
			t.Errorf("%s request done before the reload got %q; want %q", res.Proto, res.Body, before)
		case res.Start.After(after) && res.Body != afterBody:
			t.Errorf("%s request after the reload got %q; want %q", res.Proto, res.Body, afterBody)
		case res.Start.After(after):
			newer++
		}
	}
	t.Logf("requests by protocol %v, %d after the reload; WebSocket echoes %v", perProto, newer, echoes)
	for _, p := range []string{"h1", "h2", "h3"} {
		if perProto[p] == 0 {
			t.Errorf("no %s request was sent", p)
		}
	}
	if newer == 0 {
		t.Error("no request started after the reload")
	}
	for _, err := range wsErrs {
		t.Errorf("WebSocket broke: %v", err)
	}
	for _, p := range []string{"http/1.1", "h2", "h3"} {
		if echoes[p] == 0 {
			t.Errorf("WebSocket over %s echoed nothing", p)
		}
	}
}
