package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// A report is what a soak found.
type report struct {
	Started time.Time
	Options *options
	Series  []sample // under load
	After   []sample // once the load stopped
	Load    totals
	Machine string
	Pid     int
	Lat     map[string][]time.Duration // sorted, by protocol
	Errs    map[string]int
}

// A metric is one figure of a sample the report follows.
type metric struct {
	name  string
	unit  string
	get   func(sample) float64
	slack float64 // growth within this much (on top of 10%) still counts as flat
}

var followed = []metric{
	{"RSS", "MiB", func(s sample) float64 { return mib(s.RSS) }, 4},
	{"heap live", "MiB", func(s sample) float64 { return mib(s.HeapLive) }, 2},
	{"heap in use", "MiB", func(s sample) float64 { return mib(s.HeapInUse) }, 4},
	{"goroutines", "", func(s sample) float64 { return float64(s.Goroutines) }, 20},
	{"fds", "", func(s sample) float64 { return float64(s.FDs) }, 10},
}

// window returns the samples of the soak's start window (the first
// stretch after warm-up) and end window (its last stretch), each a
// minute, or a third of the time after warm-up if that is shorter.
func (r *report) windows() (start, end []sample) {
	if len(r.Series) == 0 {
		return nil, nil
	}
	last := r.Series[len(r.Series)-1].T
	warm := min(r.Options.Warm, last/2)
	w := min(time.Minute, (last-warm)/3)
	for _, s := range r.Series {
		if s.T >= warm && s.T <= warm+w {
			start = append(start, s)
		}
		if s.T >= last-w {
			end = append(end, s)
		}
	}
	return start, end
}

func mean(ss []sample, get func(sample) float64) float64 {
	if len(ss) == 0 {
		return 0
	}
	var t float64
	for _, s := range ss {
		t += get(s)
	}
	return t / float64(len(ss))
}

// flat reports, per followed metric, whether the end window's mean stays
// within 10% plus slack of the start window's.
func (r *report) flat() (all bool, verdicts []string) {
	start, end := r.windows()
	all = true
	for _, m := range followed {
		a, b := mean(start, m.get), mean(end, m.get)
		ok := b <= a*1.10+m.slack
		all = all && ok
		word := "flat"
		if !ok {
			word = "GREW"
		}
		verdicts = append(verdicts, fmt.Sprintf("%s %s (%.1f -> %.1f)", m.name, word, a, b))
	}
	return all, verdicts
}

func (r *report) write(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "trio soak, %s: %v of %d requests/s over h1, h2 and h3 (1 KiB GETs; every tenth 64 KiB, every tenth a 4 KiB POST echoed; clients reconnect every %v) with %d idle WebSockets (a third over each)\n",
		r.Started.Format("2006-01-02 15:04 UTC"), o.Duration, o.Rate, o.Churn, o.WS)
	fmt.Fprintf(w, "machine: %s at the end (shared with other work); server: trio.Server in a child process (pid %d), default limits but max_conns_per_ip off (every client is 127.0.0.1)\n\n", r.Machine, r.Pid)

	fmt.Fprintf(w, "requests: %d ok, %d failed, %d skipped (more than %d waiting); WebSockets dropped and reopened: %d\n",
		r.Load.OK, r.Load.Failed, r.Load.Skipped, maxInFlight, r.Load.WSDrops)
	for _, p := range protos {
		l := r.Lat[p]
		if len(l) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s: %d ok, p50 %s, p99 %s, max %s\n", p, len(l), ms(pct(l, 50)), ms(pct(l, 99)), ms(l[len(l)-1]))
	}
	errs := make([]string, 0, len(r.Errs))
	for e, n := range r.Errs {
		errs = append(errs, fmt.Sprintf("  %dx %s", n, e))
	}
	slices.Sort(errs)
	if len(errs) > 0 {
		fmt.Fprintf(w, "first errors:\n%s\n", strings.Join(errs, "\n"))
	}

	fmt.Fprintln(w, "\nseries (one row a minute, the load's last and, after it, the last):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "time\tRSS MiB\theap live MiB\theap in use MiB\tgoroutines\tfds\tGCs\treq/s\tws open\treturned MiB\t")
	next := time.Duration(0)
	rows := append(slices.Clip(r.Series), r.After...)
	for i, s := range rows {
		if s.T < next && i != len(r.Series)-1 && i != len(rows)-1 {
			continue
		}
		next = s.T.Truncate(time.Minute) + time.Minute
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%.0f\t%d\t%.1f\t\n",
			s.T.Round(time.Second), mib(s.RSS), mib(s.HeapLive), mib(s.HeapInUse), s.Goroutines, s.FDs, s.GCs,
			s.ReqRate, s.WSServer, mib(s.Returned))
	}
	tw.Flush()

	start, end := r.windows()
	fmt.Fprintf(w, "\nsummary (start: mean of %v after %v of warm-up; end: mean of the last %v; peak: highest sample):\n",
		span(start), min(r.Options.Warm, r.Series[len(r.Series)-1].T/2), span(end))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tstart\tpeak\tend\tend/start\t")
	for _, m := range followed {
		a, b := mean(start, m.get), mean(end, m.get)
		peak := 0.0
		for _, s := range r.Series {
			peak = max(peak, m.get(s))
		}
		name := m.name
		if m.unit != "" {
			name += " " + m.unit
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.2f\t\n", name, a, peak, b, b/max(a, 1e-9))
	}
	tw.Flush()
	if n := len(r.After); n > 0 {
		a, l := r.After[n-1], r.Series[len(r.Series)-1]
		fmt.Fprintf(w, "\nafter the load (clients and WebSockets closed), %v later: RSS %.1f MiB (%.1f at the load's end), heap live %.1f MiB, %d goroutines, %d fds; handed back by trio during the run: %.1f MiB\n",
			(a.T - l.T).Round(time.Second), mib(a.RSS), mib(l.RSS), mib(a.HeapLive), a.Goroutines, a.FDs, mib(a.Returned))
	}
	all, verdicts := r.flat()
	word := "FLAT"
	if !all {
		word = "NOT FLAT"
	}
	fmt.Fprintf(w, "\nverdict: %s: %s (end within 10%% of start plus 4 MiB RSS, 2 MiB heap live, 4 MiB heap in use, 20 goroutines, 10 fds)\n",
		word, strings.Join(verdicts, "; "))
}

func span(ss []sample) time.Duration {
	if len(ss) < 2 {
		return 0
	}
	return (ss[len(ss)-1].T - ss[0].T).Round(time.Second)
}

// pct is the p-th percentile of sorted l.
func pct(l []time.Duration, p int) time.Duration {
	return l[min(len(l)-1, len(l)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
