package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/weir-dev/weir/plugins/sink"
)

// Runner runs the sources of a pipeline and pushes what they find to a
// Sink, one source after the other, as `marmot ingest` does.
type Runner struct {
	// Registry resolves runs[] entries to sources.
	Registry Registry
	// Sink gets the requests: a *sink.Client, or a *sink.DryRun.
	Sink sink.Sink
	// Log gets progress and failures. Default: discard.
	Log *slog.Logger
	// TempDir holds the batch files (os.TempDir() when empty). A batch
	// takes about as much disk as its request body.
	TempDir string
	// ProgressEvery is how often discovery progress is logged; default
	// 10 s.
	ProgressEvery time.Duration
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// Run runs every source of p. A source that fails does not stop the
// others; the error lists every failed source, so that the Job fails.
func (r *Runner) Run(ctx context.Context, p *Pipeline) error {
	log := r.log().With("pipeline", p.Name)
	log.Info("ingestion started", "sources", len(p.Runs))
	started := time.Now()
	var errs []error
	for i, sr := range p.Runs {
		srcLog := log.With("source", sr.Source, "entry", fmt.Sprintf("runs[%d]", i))
		var err error
		if ctx.Err() != nil {
			err = fmt.Errorf("not run: %w", context.Cause(ctx))
		} else {
			err = r.runSource(ctx, srcLog, p.Name, i, sr)
		}
		if err != nil {
			srcLog.Error("source failed", "error", err.Error())
			errs = append(errs, fmt.Errorf("source %q (runs[%d]): %w", sr.Source, i, err))
		}
	}
	if len(errs) > 0 {
		log.Error("ingestion failed", "failed_sources", len(errs), "sources", len(p.Runs), "elapsed", roundDuration(time.Since(started)))
		return fmt.Errorf("pipeline %q: %d of %d sources failed:\n%w", p.Name, len(errs), len(p.Runs), errors.Join(errs...))
	}
	log.Info("ingestion finished", "sources", len(p.Runs), "elapsed", roundDuration(time.Since(started)))
	return nil
}

// Destroy deletes everything p's runs ingested into Marmot. No source is
// run.
func (r *Runner) Destroy(ctx context.Context, p *Pipeline) error {
	log := r.log().With("pipeline", p.Name)
	log.Info("destroying the pipeline's assets")
	res, err := r.Sink.DestroyPipeline(ctx, p.Name)
	if err != nil {
		return fmt.Errorf("destroying pipeline %q: %w", p.Name, err)
	}
	log.Info("pipeline destroyed", "assets_deleted", res.AssetsDeleted, "lineage_deleted", res.LineageDeleted,
		"documentation_deleted", res.DocumentationDeleted)
	for i, mrn := range res.DeletedEntityMRNs {
		if i == 10 {
			log.Info("deleted more assets", "count", len(res.DeletedEntityMRNs)-i)
			break
		}
		log.Info("deleted asset", "mrn", mrn)
	}
	return nil
}

func roundDuration(d time.Duration) string { return d.Round(time.Millisecond).String() }
