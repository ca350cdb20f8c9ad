package lab

import (
	"fmt"
	"testing"
	"time"
)

// The recorder's memory stays bounded: the oldest run goes first, a run
// keeps at most maxRunRequests requests, and connection numbers keep
// rising when the remembered addresses are forgotten.
func TestRecorderLimits(t *testing.T) {
	rc := newRecorder()
	at := time.Unix(1e9, 0)
	for i := range maxRuns + 1 {
		rc.begin(fmt.Sprintf("run-%d", i), Served{Origin: "h2", Remote: "a:1"}, at)
	}
	if _, ok := rc.run("run-0"); ok {
		t.Error("the oldest run is still kept past maxRuns")
	}
	if _, ok := rc.run(fmt.Sprintf("run-%d", maxRuns)); !ok {
		t.Error("the newest run was dropped")
	}

	for i := range maxRunRequests + 5 {
		want := i
		if i >= maxRunRequests {
			want = -1 // refused: the run is full
		}
		if got := rc.begin("big", Served{Origin: "h1", Remote: "b:1"}, at); got != want {
			t.Fatalf("request %d of a run: begin = %d; want %d", i, got, want)
		}
	}
	rc.finish("big", -1, at, at, 1, 200) // a request begin refused: nothing to do
	if r, _ := rc.run("big"); len(r.Requests) != maxRunRequests {
		t.Errorf("a run keeps %d requests; want %d", len(r.Requests), maxRunRequests)
	}

	seen := map[int]bool{}
	for i := range maxConnIDs + 10 {
		n := rc.connID(fmt.Sprintf("h1 c:%d", i))
		if seen[n] {
			t.Fatalf("connection number %d given twice", n)
		}
		seen[n] = true
	}
}

// A run's times are counted from its first request, and finish fills in
// the bytes written.
func TestRecorderTimes(t *testing.T) {
	rc := newRecorder()
	t0 := time.Unix(1e9, 0)
	i := rc.begin("r", Served{Origin: "h2", Proto: "h2", Remote: "a:1", Stream: 1}, t0)
	j := rc.begin("r", Served{Origin: "h2", Proto: "h2", Remote: "a:1", Stream: 3}, t0.Add(1500*time.Microsecond))
	k := rc.begin("r", Served{Origin: "h2", Proto: "h2", Remote: "a:2", Stream: 1}, t0.Add(2*time.Millisecond))
	rc.finish("r", j, t0.Add(3*time.Millisecond), t0.Add(7*time.Millisecond), 4096, 200)
	r, ok := rc.run("r")
	if !ok || i != 0 || j != 1 || k != 2 {
		t.Fatalf("run r: %v, indexes %d %d %d", ok, i, j, k)
	}
	got := r.Requests[1]
	if got.ReceivedMS != 1.5 || got.FirstByteMS != 3 || got.LastByteMS != 7 || got.Bytes != 4096 || !got.Done {
		t.Errorf("request 1 = %+v; want received 1.5, first byte 3, last byte 7, 4096 bytes, done", got)
	}
	if r.Requests[0].Done || r.Conns != 2 || r.Requests[0].Conn != r.Requests[1].Conn || r.Requests[2].Conn == r.Requests[0].Conn {
		t.Errorf("run = %+v; want 2 connections, the first two requests on one", r)
	}
}
