package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// variantFigures are the medians of one variant's fresh processes.
type variantFigures struct {
	load, discover, wall time.Duration // medians
	discovers            []time.Duration
	maxRSS               int64 // the largest of the runs
	items, assets        int
}

// summary is one source's discovery, wasm against native.
type summary struct {
	source, scale string
	wasm, native  variantFigures
}

// compare runs source's discovery -runs times as wasm (compiled code from
// the warm cache directory) and natively, alternating so that a change in
// the machine's load hits both, each run a fresh process; every run must
// find wantAssets assets.
func compare(ctx context.Context, source, scale, warm, config string, wantAssets int) (summary, error) {
	sum := summary{source: source, scale: scale}
	var ps [2][]proc
	for i := 0; i < max(*runs, 1); i++ {
		for v, mode := range []string{"wasm", "native"} {
			logf("%s discovery, %s (%d/%d)", source, mode, i+1, max(*runs, 1))
			p, err := variantOf(ctx, source, mode, warm, config)
			if err != nil {
				return sum, err
			}
			if p.figures.Assets != wantAssets {
				return sum, fmt.Errorf("%s discovery (%s) found %d assets, want %d", source, mode, p.figures.Assets, wantAssets)
			}
			ps[v] = append(ps[v], p)
		}
	}
	sum.wasm, sum.native = figuresOf(ps[0]), figuresOf(ps[1])
	return sum, nil
}

func figuresOf(ps []proc) variantFigures {
	var f variantFigures
	var loads, walls []time.Duration
	for _, p := range ps {
		loads = append(loads, p.figures.Load)
		walls = append(walls, p.wall)
		f.discovers = append(f.discovers, p.figures.Discover)
		f.maxRSS = max(f.maxRSS, p.maxRSS)
		f.items, f.assets = p.figures.Items, p.figures.Assets
	}
	f.load, f.discover, f.wall = median(loads), median(f.discovers), median(walls)
	return f
}

// warmUp compiles source's module into the cache directory warm, in a
// fresh process, so that the measured runs read compiled code.
func warmUp(ctx context.Context, source, warm string) error {
	logf("%s module: compiling into the cache", source)
	_, err := variantOf(ctx, source, "load", warm, "")
	return err
}

// printSummary is one line per source: the discovery medians, wasm and
// native, and their ratio.
func printSummary(w io.Writer, sums []summary) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Discovery, wasm vs native (medians of %d fresh processes each)\twasm\tnative\twasm / native\twasm peak RSS\tnative peak RSS\titems\twasm assets/s\n", max(*runs, 1))
	for _, s := range sums {
		fmt.Fprintf(w, "  %s (%s)\t%v\t%v\t%.2fx\t%s\t%s\t%d\t%.0f\n", s.source, s.scale,
			s.wasm.discover, s.native.discover, ratio(s.wasm.discover, s.native.discover),
			mib(s.wasm.maxRSS), mib(s.native.maxRSS), s.wasm.items, perSecond(s.wasm.assets, s.wasm.discover))
	}
}
