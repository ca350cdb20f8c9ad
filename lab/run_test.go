package lab

import (
	"context"
	"os"
	"testing"
	"time"
)

// runOrSkip runs cfg, skipping without root except under CI=true.
func runOrSkip(t *testing.T, cfg RunConfig) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs, err := Run(ctx, cfg)
	if err != nil {
		if os.Getenv("CI") != "true" && os.Geteuid() != 0 {
			t.Skipf("Run: %v", err)
		}
		t.Fatalf("Run: %v", err)
	}
	for _, r := range rs {
		t.Logf("%s loss %g: median %g ms, p95 %g ms, stall %g ms, %d conns, dropped %d, retrans %d",
			r.Proto, r.Loss, r.MedianMS, r.P95MS, r.StallMS, r.Conns, r.Dropped, r.Retrans)
	}
	return rs
}

func findResult(t *testing.T, rs []Result, proto string, loss float64) Result {
	t.Helper()
	for _, r := range rs {
		if r.Proto == proto && r.Loss == loss {
			return r
		}
	}
	t.Fatalf("no result for %s at loss %g", proto, loss)
	return Result{}
}

// TestRunLossChangesFigures uses 10% loss: at 5% a loaded machine once gave
// h3 a lossy median below its clean one (QUIC recovers a loss in about a
// round trip, 20 ms here, which scheduling noise can hide in 3 runs).
func TestRunLossChangesFigures(t *testing.T) {
	rs := runOrSkip(t, RunConfig{Loss: []float64{0, 0.1}, Delay: 10 * time.Millisecond, Runs: 3, N: 32, Seed: 1})
	if len(rs) != 6 {
		t.Fatalf("%d results; want 6 (3 protocols × 2 loss rates)", len(rs))
	}
	wantConns := map[string]int{ProtoH1: h1Conns, ProtoH2: 1, ProtoH3: 1}
	for _, proto := range DefaultProtos {
		clean, lossy := findResult(t, rs, proto, 0), findResult(t, rs, proto, 0.1)
		if clean.Dropped != 0 || lossy.Dropped == 0 {
			t.Errorf("%s: dropped %d at 0%%, %d at 10%%; want none, then some", proto, clean.Dropped, lossy.Dropped)
		}
		if lossy.MedianMS <= clean.MedianMS {
			t.Errorf("%s: median %g ms at 10%% loss, %g ms without; loss should slow it", proto, lossy.MedianMS, clean.MedianMS)
		}
		if proto != ProtoH3 && lossy.Retrans == 0 {
			t.Errorf("%s: no TCP retransmissions at 10%% loss", proto)
		}
		if clean.Conns != wantConns[proto] {
			t.Errorf("%s: %d connections; want %d", proto, clean.Conns, wantConns[proto])
		}
		if clean.Runs != 3 || clean.DelayMS != 10 || clean.MedianMS < 20 {
			t.Errorf("%s: runs %d, delay %g ms, median %g ms; want 3, 10, and at least a round trip (20 ms)", proto, clean.Runs, clean.DelayMS, clean.MedianMS)
		}
		if clean.Slowdown != 1 || lossy.Slowdown <= 1 {
			t.Errorf("%s: slowdown %g then %g; want 1, then above 1", proto, clean.Slowdown, lossy.Slowdown)
		}
	}
}

// Tolerances of two runs with one seed. The link drops the n-th packet of
// each direction alike, so the counts of drops agree closely; but the
// packets' timing varies with the machine's load, and so does which packet
// is n-th (a data segment, an acknowledgement) and what its loss costs.
const (
	seedTolerance = 0.5  // medians within 50% of the larger
	dropTolerance = 0.25 // counts of dropped packets within 25%, plus 3
)

func TestRunSeedReproducible(t *testing.T) {
	cfg := RunConfig{Loss: []float64{0.02}, Delay: 10 * time.Millisecond, Runs: 3, N: 32, Seed: 42}
	a := runOrSkip(t, cfg)
	b := runOrSkip(t, cfg)
	for i := range a {
		ra, rb := a[i], b[i]
		if d := rel(ra.MedianMS, rb.MedianMS); d > seedTolerance {
			t.Errorf("%s: medians %g and %g ms differ by %.0f%%; want at most %.0f%%", ra.Proto, ra.MedianMS, rb.MedianMS, d*100, seedTolerance*100)
		}
		if d := rel(float64(ra.Dropped), float64(rb.Dropped)+3); d > dropTolerance && rel(float64(ra.Dropped)+3, float64(rb.Dropped)) > dropTolerance {
			t.Errorf("%s: dropped %d and %d packets; want within %.0f%% + 3", ra.Proto, ra.Dropped, rb.Dropped, dropTolerance*100)
		}
	}
}

// rel is the difference of a and b relative to the larger.
func rel(a, b float64) float64 {
	if a == b {
		return 0
	}
	return max(a-b, b-a) / max(a, b)
}
