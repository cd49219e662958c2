package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"time"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/ingest"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

// sinkFigures is what `-mode sink` reports: the time of each whole
// source run through the sink, from items in memory into a new fake
// Marmot.
type sinkFigures struct {
	Runs   []time.Duration `json:"runs"`
	Assets int             `json:"assets"`
	// CPU is the process's user+system time over all runs (client and
	// fake together), a figure the machine's load moves less than wall
	// time.
	CPU time.Duration `json:"cpu"`
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memorySource replays a discovery's items from memory, in the batches
// the source emitted them in.
type memorySource struct {
	desc    model.Description
	batches [][]model.Item
}

func (m *memorySource) Describe(context.Context) (model.Description, error) { return m.desc, nil }

func (m *memorySource) Validate(context.Context, json.RawMessage) error { return nil }

func (m *memorySource) Discover(_ context.Context, _ json.RawMessage, emit func([]model.Item) error) error {
	for _, b := range m.batches {
		if err := emit(b); err != nil {
			return err
		}
	}
	return nil
}

// sinkRuns discovers the PostgreSQL database natively into memory (not
// timed), then times n whole runs of `weir ingest`'s sink side (ingest.Runner
// and sink.Client: runs/start, the batch file, the batch over loopback
// HTTP, the answer, runs/complete) into a new fake Marmot each, so every
// run creates its assets as a first ingest does.
func sinkRuns(ctx context.Context, raw json.RawMessage, n int) (sinkFigures, error) {
	var f sinkFigures
	discover, err := native("postgresql", raw)
	if err != nil {
		return f, err
	}
	src := &memorySource{}
	if src.desc, err = builtin.Description("postgresql"); err != nil {
		return f, err
	}
	err = discover(ctx, func(items []model.Item) error {
		// The source reuses nothing it emitted, so the batches can be kept.
		src.batches = append(src.batches, items)
		for _, it := range items {
			if it.Asset != nil {
				f.Assets++
			}
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return f, err
	}
	p := &ingest.Pipeline{Name: "bench", Runs: []ingest.SourceRun{{Source: "postgresql", Config: cfg}}}
	cpu0 := cpuTime()
	for range n {
		fake := marmottest.New(marmottest.Options{APIKey: "bench-key"})
		c, err := sink.NewClient(sink.Options{Host: fake.URL, APIKey: "bench-key"})
		if err != nil {
			fake.Close()
			return f, err
		}
		r := &ingest.Runner{Registry: ingest.Registry{"postgresql": src}, Sink: c, Log: slog.New(slog.DiscardHandler)}
		start := time.Now()
		err = r.Run(ctx, p)
		d := time.Since(start)
		v := fake.Violations()
		fake.Close()
		if err != nil {
			return f, err
		}
		if len(v) > 0 {
			return f, fmt.Errorf("contract violations: %s", strings.Join(v, "; "))
		}
		f.Runs = append(f.Runs, d)
	}
	f.CPU = cpuTime() - cpu0
	return f, nil
}
