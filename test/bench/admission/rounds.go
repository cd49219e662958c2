package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// round is one round's figures: its on and off phases.
type round struct {
	n       int
	onFirst bool
	on, off stats
}

func (r round) p50Ratio() float64 { return float64(r.on.p50) / float64(r.off.p50) }
func (r round) p99Ratio() float64 { return float64(r.on.p99) / float64(r.off.p99) }

// results holds every measured create, pooled by state, and each round's
// own figures: the pool is the steadier figure, the spread of the rounds'
// ratios says how steady.
type results struct {
	on, off []time.Duration
	rounds  []round
}

func (res *results) add(n int, onFirst bool, on, off []time.Duration) {
	res.on = append(res.on, on...)
	res.off = append(res.off, off...)
	res.rounds = append(res.rounds, round{n: n, onFirst: onFirst, on: summarize(on), off: summarize(off)})
}

// median of the rounds' values of f (the mean of the middle two for an even
// count).
func (res *results) median(f func(round) float64) float64 {
	v := make([]float64, len(res.rounds))
	for i, r := range res.rounds {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func (res *results) extreme(f func(round) float64, pick func(float64, float64) float64) float64 {
	x := f(res.rounds[0])
	for _, r := range res.rounds[1:] {
		x = pick(x, f(r))
	}
	return x
}

func (res *results) reportRounds(w io.Writer) {
	fmt.Fprintln(w, "By round:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\torder\ton median\toff median\tratio\ton p99\toff p99\tratio\t")
	for _, r := range res.rounds {
		order := "on, off"
		if !r.onFirst {
			order = "off, on"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2f\t%s\t%s\t%.2f\t\n", r.n, order, ms(r.on.p50), ms(r.off.p50), r.p50Ratio(), ms(r.on.p99), ms(r.off.p99), r.p99Ratio())
	}
	tw.Flush()
	fmt.Fprintf(w, "median of the rounds' ratios: medians %.2f, p99s %.2f (p99 ratio from %.2f to %.2f)\n",
		res.median(round.p50Ratio), res.median(round.p99Ratio),
		res.extreme(round.p99Ratio, minF), res.extreme(round.p99Ratio, maxF))
}

// machineLines adds the rounds' figures to the "<name> <value>" lines.
func (res *results) machineLines(w io.Writer) {
	fmt.Fprintf(w, "admission_rounds %d\n", len(res.rounds))
	fmt.Fprintf(w, "admission_p50_ratio_round_median %.3f\n", res.median(round.p50Ratio))
	fmt.Fprintf(w, "admission_p99_ratio_round_median %.3f\n", res.median(round.p99Ratio))
	fmt.Fprintf(w, "admission_p99_ratio_round_min %.3f\n", res.extreme(round.p99Ratio, minF))
	fmt.Fprintf(w, "admission_p99_ratio_round_max %.3f\n", res.extreme(round.p99Ratio, maxF))
}

func minF(a, b float64) float64 { return min(a, b) }
func maxF(a, b float64) float64 { return max(a, b) }
