package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/triohttp/trio/internal/memreturn"
)

// A sample is the server's state at one moment of the soak.
type sample struct {
	T          time.Duration // since the load started
	RSS        uint64        // bytes
	HeapLive   uint64        // bytes, at the server's last GC
	HeapInUse  uint64        // bytes, heap objects not yet swept included
	Goroutines uint64
	FDs        int
	GCs        uint64
	Returned   uint64 // bytes trio handed back to the OS so far
	WSServer   int64  // WebSockets open on the server
	Totals     totals // the driver's counts so far
	ReqRate    float64
}

// sampler reads a sample of the server process pid.
type sampler struct {
	pid    int
	stats  string
	client *http.Client
}

func (s *sampler) take(t time.Duration, tot totals) (sample, error) {
	resp, err := s.client.Get(s.stats)
	if err != nil {
		return sample{}, fmt.Errorf("server stats: %w", err)
	}
	var st serverStats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil {
		return sample{}, fmt.Errorf("server stats: %w", err)
	}
	rss, err := pidRSS(s.pid)
	if err != nil {
		return sample{}, err
	}
	fds, err := pidFDs(s.pid)
	if err != nil {
		return sample{}, err
	}
	return sample{
		T: t, RSS: rss, HeapLive: st.HeapLive, HeapInUse: st.HeapInUse, Goroutines: st.Goroutines,
		FDs: fds, GCs: st.GCs, Returned: st.Returned, WSServer: st.WebSockets, Totals: tot,
	}, nil
}

// rate sets the request rate since prev.
func (s *sample) rate(prev sample) {
	if d := (s.T - prev.T).Seconds(); d > 0 {
		s.ReqRate = float64(s.Totals.OK+s.Totals.Failed-prev.Totals.OK-prev.Totals.Failed) / d
	}
}

const header = "    time    rss MiB  heap live  heap in use  goroutines    fds    gcs  req/s    ok  failed  ws open  ws drops  returned MiB"

func (s sample) line() string {
	return fmt.Sprintf("%8s %10.1f %10.1f %12.1f %11d %6d %6d %6.0f %5d %7d %8d %9d %13.1f",
		s.T.Round(time.Second), mib(s.RSS), mib(s.HeapLive), mib(s.HeapInUse), s.Goroutines, s.FDs, s.GCs,
		s.ReqRate, s.Totals.OK, s.Totals.Failed, s.WSServer, s.Totals.WSDrops, mib(s.Returned))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// pidRSS is the resident set of process pid in bytes.
func pidRSS(pid int) (uint64, error) {
	rss, ok := memreturn.PidRSS(pid)
	if !ok {
		return 0, fmt.Errorf("server RSS: /proc/%d/statm unreadable", pid)
	}
	return rss, nil
}

// pidFDs counts the open file descriptors of process pid.
func pidFDs(pid int) (int, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, fmt.Errorf("server fds: %w", err)
	}
	return len(ents), nil
}
