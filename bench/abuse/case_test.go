package abuse

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A scenario is one attack on a fresh server.
type scenario struct {
	name   string
	spec   string // server fields the case shortens (see setFields)
	nofile int    // the server's RLIMIT_NOFILE; 0 leaves it
	// limits are the limits the attack must hit, each counted in
	// trio_limit_hits_total and logged; "a|b" means either.
	limits []string
	// attack runs the attack to its end, asserting what the attacker got,
	// and returns that answer for the table.
	attack func(t *testing.T, s *server) string
}

// run runs sc: baseline, attack under the good client's load, settling;
// with the asserts the package doc states.
func run(t *testing.T, sc scenario) {
	added := false
	latencyMissed := false
	t.Cleanup(func() { // a case that stopped early still gets its row
		if !added {
			addFigure(figure{attack: sc.name, answer: "(case stopped: see its log)", p99Before: "-", p99During: "-", p99Twin: "-", settled: "-"})
		}
	})
	s := startServer(t, sc.spec, sc.nofile)
	twin := startServer(t, sc.spec, 0)
	l := startLoad(t, s, twin)
	time.Sleep(500 * time.Millisecond) // connections and handshakes made
	l.setPhase(phaseBaseline)
	time.Sleep(2 * time.Second)
	base := s.stats(t)

	var peak atomic.Uint64
	peak.Store(base.RSS)
	stopPeak := make(chan struct{})
	var peakDone sync.WaitGroup
	peakDone.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopPeak:
				return
			case <-tick.C:
				if r := s.rss(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	})

	l.setPhase(phaseAttack)
	start, cpu0 := time.Now(), s.cpu()
	answer := sc.attack(t, s)
	took, cpu := time.Since(start), s.cpu()-cpu0
	t.Logf("attack took %v; the server used %v of CPU", took.Round(time.Millisecond), cpu)
	l.setPhase(phaseAfter)
	l.fetch(t)
	checkLimits(t, s, sc.limits)

	before, nBefore := l.p99(phaseBaseline, false)
	during, nDuring := l.p99(phaseAttack, false)
	noise, _ := l.p99(phaseAttack, true)
	for i, p := range protos {
		floor := max(float64(LatencyFloor)/1e6, noise[i])
		limit := LatencyFactor*before[i] + floor
		t.Logf("%s: p99 %.2f ms before (%d requests), %.2f ms during (%d requests); idle twin during: %.2f ms; bound %.2f ms",
			p, before[i], nBefore[i], during[i], nDuring[i], noise[i], limit)
		if nDuring[i] == 0 {
			t.Errorf("%s: no good request completed during the attack", p)
		} else if during[i] > limit {
			latencyMissed = true
			report := t.Logf
			if strictLatency() {
				report = t.Errorf
			}
			report("%s: good p99 %.2f ms during the attack; want <= %d x %.2f + max(%v, idle twin's p99 %.2f ms) = %.2f ms",
				p, during[i], LatencyFactor, before[i], LatencyFloor, noise[i], limit)
		}
	}
	for _, ph := range []int{phaseBaseline, phaseAttack} {
		if errs := l.errors(ph, false); len(errs) > 0 {
			t.Errorf("%d good requests failed (phase %d), first: %s", len(errs), ph, errs[0])
		}
		if errs := l.errors(ph, true); len(errs) > 0 {
			t.Errorf("%d requests to the idle twin failed (phase %d), first: %s", len(errs), ph, errs[0])
		}
	}

	settled, after := settle(t, s, base)
	close(stopPeak)
	peakDone.Wait()
	added = true
	addFigure(figure{
		attack: sc.name, answer: answer,
		p99Before: joinMS(before[:]), p99During: joinMS(during[:]), p99Twin: joinMS(noise[:]),
		rssBefore: base.RSS, rssPeak: max(peak.Load(), after.RSS), rssAft: after.RSS,
		settled: settled, pass: !t.Failed(), latencyMet: !latencyMissed,
		took: took.Round(100 * time.Millisecond).String(), cpu: cpu.String(),
	})
}

// settle waits up to SettleTime for the server to come back within the
// bounds of base, and fails t with what stayed above them if it does not.
// It returns how long it took and the last figures.
func settle(t *testing.T, s *server, base stats) (string, stats) {
	start := time.Now()
	var st stats
	var over []string
	for {
		st = s.stats(t)
		over = over[:0]
		if st.HeapLive > base.HeapLive+HeapSlack {
			over = append(over, fmt.Sprintf("live heap %.1f MiB (baseline %.1f)", mib(st.HeapLive), mib(base.HeapLive)))
		}
		if st.Goroutines > base.Goroutines+GoroutineSlack {
			over = append(over, fmt.Sprintf("goroutines %d (baseline %d)", st.Goroutines, base.Goroutines))
		}
		if st.FDs > base.FDs+FDSlack {
			over = append(over, fmt.Sprintf("fds %d (baseline %d)", st.FDs, base.FDs))
		}
		if st.RSS > RSSFactor*base.RSS {
			over = append(over, fmt.Sprintf("RSS %.1f MiB (baseline %.1f)", mib(st.RSS), mib(base.RSS)))
		}
		if len(over) == 0 {
			d := time.Since(start).Round(100 * time.Millisecond)
			t.Logf("back to baseline in %v: heap %.1f MiB, %d goroutines, %d fds, RSS %.1f MiB (baseline %.1f MiB, %d, %d, %.1f MiB)",
				d, mib(st.HeapLive), st.Goroutines, st.FDs, mib(st.RSS), mib(base.HeapLive), base.Goroutines, base.FDs, mib(base.RSS))
			return d.String(), st
		}
		if time.Since(start) > SettleTime {
			t.Errorf("not back to baseline %v after the attack: %s", SettleTime, strings.Join(over, ", "))
			if st.Goroutines > base.Goroutines+GoroutineSlack {
				t.Logf("the server's goroutines:\n%s", s.goroutines())
			}
			return "> " + SettleTime.String(), st
		}
		time.Sleep(time.Second)
	}
}

// checkLimits fails t for each of limits ("a|b": either) that the server
// neither counted in trio_limit_hits_total nor logged: a refusal must
// never be silent.
func checkLimits(t *testing.T, s *server, limits []string) {
	st := s.stats(t)
	for _, want := range limits {
		var counted uint64
		logged := 0
		for name := range strings.SplitSeq(want, "|") {
			counted += st.LimitHits[name]
			logged += len(s.logged("limit reached", "limit="+name+" ")) // not limit=max_conns_per_ip for max_conns
		}
		if counted == 0 {
			t.Errorf("trio_limit_hits_total{limit=%q} = 0; want the refusals counted (counted: %v)", want, st.LimitHits)
		}
		if logged == 0 {
			t.Errorf("no log line about limit %q; want the attack logged", want)
		}
		if counted > 0 && logged > 0 {
			t.Logf("limit %s: %d hits counted and logged", want, counted)
		}
	}
}
