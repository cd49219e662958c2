package main

import (
	"testing"
	"time"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

// Rounds pool their samples by state and keep their own ratios; the median
// of three ratios is the middle one.
func TestResultsPoolAndMedian(t *testing.T) {
	var res results
	res.add(1, true, durations(20, 20, 20), durations(10, 10, 10))  // 2.0
	res.add(2, false, durations(30, 30, 30), durations(10, 10, 10)) // 3.0
	res.add(3, true, durations(11, 11, 11), durations(10, 10, 10))  // 1.1
	if len(res.on) != 9 || len(res.off) != 9 {
		t.Fatalf("pooled %d on and %d off samples, want 9 each", len(res.on), len(res.off))
	}
	if got := res.median(round.p99Ratio); got != 2.0 {
		t.Errorf("median p99 ratio = %v, want 2", got)
	}
	if lo, hi := res.extreme(round.p99Ratio, minF), res.extreme(round.p99Ratio, maxF); lo != 1.1 || hi != 3.0 {
		t.Errorf("p99 ratio from %v to %v, want 1.1 to 3", lo, hi)
	}
	res.add(4, false, durations(40, 40, 40), durations(10, 10, 10)) // 4.0
	if got := res.median(round.p50Ratio); got != 2.5 {
		t.Errorf("median of four p50 ratios = %v, want the mean of the middle two, 2.5", got)
	}
}

// The pool of two phases' deltas counts each phase's increase once, and
// nothing from before the first or between them.
func TestPooledDeltas(t *testing.T) {
	at := func(v float64) scrape {
		return scrape{{name: "calls", labels: map[string]string{"op": "CREATE"}, value: v}}
	}
	var p pooled
	p.add(snapshot{apiserver: at(100)}, snapshot{apiserver: at(110)})
	p.add(snapshot{apiserver: at(150)}, snapshot{apiserver: at(155)})
	before, after := p.snapshots()
	if got := delta(before.apiserver, after.apiserver, "calls", map[string]string{"op": "CREATE"}); got != 15 {
		t.Errorf("pooled calls = %v, want 10 + 5", got)
	}
	if before.weir != nil || after.weir != nil {
		t.Errorf("Weir's side was never read, but the pool has it: %v %v", before.weir, after.weir)
	}
}
