package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink"
	"github.com/weir-dev/weir/plugins/source"
)

// runSource runs one runs[] entry (contract §2): find the source, check
// its config, start a run, discover into one batch, send it, complete the
// run. Nothing is sent before the config is known to be good.
func (r *Runner) runSource(ctx context.Context, log *slog.Logger, pipeline string, i int, sr SourceRun) error {
	src, err := r.Registry.lookup(sr.Source)
	if err != nil {
		return err
	}
	com, err := parseCommon(child(fmt.Sprintf("runs[%d]", i), sr.Source), sr.Config)
	if err != nil {
		return err
	}
	desc, err := src.Describe(ctx)
	if err != nil {
		return fmt.Errorf("describing the source: %w", err)
	}
	raw, err := json.Marshal(sr.Config)
	if err != nil {
		return fmt.Errorf("encoding the config: %w", err)
	}
	if err := src.Validate(ctx, raw); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	masked := sink.MaskConfig(sr.Config, desc.ConfigSchema)

	started := time.Now()
	runID, err := r.Sink.StartRun(ctx, sink.StartRun{PipelineName: pipeline, SourceName: sr.Source, Config: masked})
	if err != nil {
		return fmt.Errorf("starting the run: %w", err)
	}
	log = log.With("run_id", runID)
	log.Info("run started", "source_version", desc.Version)
	run := &sourceRun{r: r, log: log, runID: runID, started: started}
	return run.ingest(ctx, src, raw, &com, sink.BatchHeader{PipelineName: pipeline, SourceName: sr.Source, RunID: runID, Config: masked})
}

// sourceRun is one started run.
type sourceRun struct {
	r       *Runner
	log     *slog.Logger
	runID   string
	started time.Time
}

func (s *sourceRun) ingest(ctx context.Context, src source.Source, config json.RawMessage, com *common, h sink.BatchHeader) error {
	batch, err := sink.NewBatch(s.r.TempDir, h)
	if err != nil {
		return s.fail(ctx, err)
	}
	defer batch.Close()
	d := &discovery{batch: batch, com: com, log: s.log, started: s.started, lastLog: time.Now(), every: s.r.ProgressEvery}
	if d.every <= 0 {
		d.every = 10 * time.Second
	}
	if com.filter != nil {
		d.kept = map[string]struct{}{}
	}
	if err := src.Discover(ctx, config, d.emit); err != nil {
		if d.err != nil { // weir refused what the source emitted
			return s.fail(ctx, d.err)
		}
		var se *source.Error
		if errors.As(err, &se) && se.Retryable {
			err = fmt.Errorf("%w (the source says a later run may succeed)", err)
		}
		return s.fail(ctx, fmt.Errorf("discovery failed after %d assets: %w", d.assets, err))
	}
	if d.err != nil { // a source that swallowed emit's error: never send a partial batch
		return s.fail(ctx, d.err)
	}
	var keep func(string) bool
	if d.kept != nil {
		keep = d.keep
	}
	if err := batch.Seal(keep); err != nil {
		return s.fail(ctx, err)
	}
	s.logCollisions(batch.Collisions())
	s.log.Info("discovery finished", "assets_discovered", d.assets, "assets_kept", batch.Assets(),
		"lineage", batch.Lineage(), "documentation", batch.Documentation(), "statistics_not_sent", d.stats,
		"elapsed", roundDuration(time.Since(s.started)))
	if d.assets == 0 {
		return s.fail(ctx, errors.New("the source discovered no assets; nothing was sent, so Marmot keeps what earlier runs ingested (a batch without assets would delete it all). Check the source's config and permissions"))
	}
	if batch.Assets() == 0 {
		// As `marmot ingest`: no batch, a completed run. Such a run never
		// becomes a baseline, so the assets of earlier runs stay.
		s.log.Warn("the filter kept none of the discovered assets; nothing was sent and the assets of earlier runs stay in Marmot", "assets_discovered", d.assets)
		return s.complete(ctx, sink.StatusCompleted, &sink.Summary{DurationSeconds: int(time.Since(s.started).Seconds())}, "")
	}

	res, err := s.r.Sink.SendBatch(ctx, batch)
	if err != nil {
		return s.fail(ctx, fmt.Errorf("sending the batch of %d assets: %w", batch.Assets(), err))
	}
	s.log.Info("batch sent", "bytes", batch.Size(), "assets_created", res.AssetsCreated, "assets_updated", res.AssetsUpdated,
		"assets_unchanged", res.AssetsUnchanged, "assets_failed", res.AssetsFailed, "assets_deleted_as_stale", res.StaleRemoved,
		"lineage_created", res.LineageCreated, "lineage_updated", res.LineageUpdated, "lineage_failed", res.LineageFailed,
		"documentation_added", res.DocumentationCreated, "elapsed", roundDuration(time.Since(s.started)))
	for _, f := range res.Failures {
		s.log.Error("asset failed in Marmot", "asset", f.Name, "type", f.Type, "mrn", f.MRN, "error", f.Error)
	}
	if res.LineageFailed > 0 {
		s.log.Warn("lineage edges failed in Marmot; their ends are probably not assets in the catalogue", "lineage_failed", res.LineageFailed)
	}
	status := sink.StatusCompleted
	if res.Failed() {
		status = sink.StatusFailed
	}
	if err := s.complete(ctx, status, res.Summary(batch, time.Since(s.started)), ""); err != nil {
		return err
	}
	if res.Failed() {
		f := res.Failures[0]
		return fmt.Errorf("%d of %d assets failed in Marmot, the first %q (%s): %s", res.AssetsFailed, batch.Assets(), f.Name, f.MRN, f.Error)
	}
	s.log.Info("run completed", "assets_pushed", batch.Assets(), "elapsed", roundDuration(time.Since(s.started)))
	return nil
}

// maxCollisionLogs bounds the warnings about shared MRNs; the rest are
// counted.
const maxCollisionLogs = 20

// logCollisions warns about assets that shared an MRN, of which only the
// last was sent: Marmot holds one asset per MRN, and `marmot ingest`
// leaves the last one in it too.
func (s *sourceRun) logCollisions(cs []sink.Collision) {
	for i, c := range cs {
		if i == maxCollisionLogs {
			s.log.Warn("more assets share an MRN; only the first warnings are logged", "mrns_shared", len(cs))
			return
		}
		s.log.Warn("assets share an MRN, and Marmot keeps one asset per MRN: sending the last one discovered, as marmot ingest leaves it in the catalogue. To ingest each, make their names differ (postgresql: schema_qualified_names or database_qualified_names)",
			"mrn", c.MRN, "kept", c.Kept, "dropped", strings.Join(c.Dropped, ", "))
	}
}

// fail completes the run as failed, or cancelled when ctx was, with
// err's message, and returns err.
func (s *sourceRun) fail(ctx context.Context, err error) error {
	status := sink.StatusFailed
	if ctx.Err() != nil {
		status = sink.StatusCancelled
	}
	if cerr := s.complete(ctx, status, nil, err.Error()); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// complete closes the run. It still tries when ctx was cancelled, so a
// stopped Job does not leave its run running.
func (s *sourceRun) complete(ctx context.Context, status string, summary *sink.Summary, msg string) error {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
	}
	err := s.r.Sink.CompleteRun(ctx, sink.CompleteRun{RunID: s.runID, Status: status, Summary: summary, Error: msg})
	if err != nil {
		// The run stays "running" and never becomes the baseline of
		// stale deletion: the next run compares with an older one.
		return fmt.Errorf("completing the run as %s: %w", status, err)
	}
	return nil
}

// discovery receives what a source emits and writes it into the batch.
type discovery struct {
	batch *sink.Batch
	com   *common
	log   *slog.Logger
	// kept holds the MRNs of the assets the filter kept, to prune lineage
	// and documentation when sealing; nil without a filter.
	kept map[string]struct{}

	// err is the first error emit returned, which stops discovery.
	err error

	assets, lineage, docs, stats int
	mrnMismatch                  bool
	started, lastLog             time.Time
	every                        time.Duration
}

func (d *discovery) emit(items []model.Item) error {
	for i := range items {
		it := &items[i]
		var err error
		switch {
		case it.Asset != nil:
			err = d.asset(it.Asset)
		case it.Lineage != nil:
			d.lineage++
			err = d.batch.AddLineage(it.Lineage)
		case it.Documentation != nil:
			d.docs++
			err = d.batch.AddDocumentation(it.Documentation)
		case it.Statistic != nil:
			d.stats++ // `marmot ingest` sends statistics: null
		}
		if err != nil {
			d.err = err
			return err
		}
	}
	if now := time.Now(); now.Sub(d.lastLog) >= d.every {
		d.lastLog = now
		d.log.Info("discovering", "assets_discovered", d.assets, "assets_kept", d.batch.Assets(),
			"lineage", d.lineage, "documentation", d.docs, "elapsed", roundDuration(now.Sub(d.started)))
	}
	return nil
}

func (d *discovery) asset(a *model.Asset) error {
	d.assets++
	if d.com.filter != nil && !d.com.filter.keep(a.Name) {
		return nil
	}
	out := d.com.apply(a)
	if !d.mrnMismatch && len(a.Providers) > 0 {
		if want := model.MRN(a.Type, a.Providers[0], a.Name); out.MRN != want {
			d.mrnMismatch = true
			d.log.Warn("the source's MRN differs from the one Marmot derives from type, providers[0] and name; lineage and documentation that use it will not attach",
				"asset", a.Name, "source_mrn", out.MRN, "marmot_mrn", want)
		}
	}
	if d.kept != nil {
		d.kept[out.MRN] = struct{}{}
	}
	return d.batch.AddAsset(&out)
}

// keep says whether an MRN is one of a kept asset.
func (d *discovery) keep(mrn string) bool {
	_, ok := d.kept[mrn]
	return ok
}
