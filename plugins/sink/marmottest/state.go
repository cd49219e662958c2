package marmottest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

func (s *Server) findRun(id string) *Run {
	for _, r := range s.runs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (s *Server) start(c *checker, o *object) answer {
	b := checkStart(c, o)
	if b.pipeline == "" || b.source == "" {
		return errorAnswer(http.StatusInternalServerError, "Failed to start run: invalid input: pipeline_name, source_name, and created_by are required")
	}
	for _, r := range s.runs {
		if r.Status == "running" {
			c.errf("order", "run %s (%s) is still running; the CLI completes a source's run before starting the next", r.ID, r.Source)
		}
	}
	run := &Run{ID: fmt.Sprintf("run-%d", len(s.runs)+1), Pipeline: b.pipeline, Source: b.source, Status: "running", counts: map[string]int{}}
	if kind(o.vals["config"]) == "object" { // otherwise checkStart reported it
		if err := json.Unmarshal(o.vals["config"], &run.Config); err != nil {
			c.errf("config", "%v", err)
		}
	}
	s.runs = append(s.runs, run)
	return answer{status: http.StatusOK, body: map[string]any{
		"id": "db-" + run.ID, "pipeline_name": run.Pipeline, "source_name": run.Source, "run_id": run.ID,
		"status": "running", "started_at": time.Now().UTC().Format(time.RFC3339Nano), "config": run.Config, "created_by": "admin",
	}}
}

func (s *Server) batch(c *checker, o *object, raw []byte) answer {
	b := checkBatch(c, o)
	run := s.findRun(b.runID)
	switch {
	case run == nil:
		c.errf("run_id", "unknown run %q", b.runID)
		return errorAnswer(http.StatusInternalServerError, "Failed to process entities: getting run: run not found")
	case run.Status != "running":
		c.errf("order", "batch for run %s, which is %s", run.ID, run.Status)
	case run.Batches > 0 && !bytes.Equal(run.lastBatch, raw):
		c.errf("order", "a second, different batch for run %s: Marmot computes stale deletion per batch, so the batches delete each other's assets (§6)", run.ID)
	}
	if b.pipeline != run.Pipeline || b.source != run.Source {
		c.errf("body", "pipeline_name/source_name %s/%s differ from the run's %s/%s", b.pipeline, b.source, run.Pipeline, run.Source)
	}
	if b.crash {
		return answer{reset: true}
	}
	run.Batches++
	run.lastBatch = raw
	k := key{run.Pipeline, run.Source}
	baseline := s.baselines[k]

	run.Assets, run.FailedAssets, run.counts, run.hashes = nil, 0, map[string]int{}, map[string]string{}
	results := make([]assetResult, 0, len(b.assets))
	sent := map[string]bool{}
	for _, a := range b.assets {
		mrn := model.MRN(a.typ, a.provider, a.name)
		sent[mrn] = true
		run.Assets = append(run.Assets, mrn)
		h := hashAsset(a.raw)
		status := "created"
		res := assetResult{name: a.name, typ: a.typ, provider: a.provider, mrn: mrn, asset: a.raw}
		_, exists := s.catalog[mrn]
		baseHash, inBaseline := baseline[mrn]
		switch {
		case s.opts.AssetError != nil && s.opts.AssetError(a.name, a.typ) != "":
			status = "failed"
			res.err = s.opts.AssetError(a.name, a.typ)
			run.FailedAssets++
		case exists && inBaseline && baseHash == h:
			status = "unchanged" // Marmot writes nothing, not even last_sync_at
		case exists:
			status = "updated"
		}
		if status == "created" || status == "updated" {
			s.catalog[mrn] = a.raw // part of the request body, which Requests keeps anyway
		}
		// One checkpoint per MRN and run: a later asset of the batch with
		// the same MRN overwrites the earlier one's hash (§6).
		run.hashes[mrn] = h
		res.status = status
		run.counts[status]++
		results = append(results, res)
	}
	var stale []string
	for _, mrn := range slices.Sorted(maps.Keys(baseline)) {
		if !sent[mrn] {
			stale = append(stale, mrn)
			delete(s.catalog, mrn)
		}
	}
	run.stale = len(stale)
	lineage := make([]edgeResult, 0, len(b.lineage))
	for _, e := range b.lineage {
		status := "created"
		_, src := s.catalog[e.source]
		_, dst := s.catalog[e.target]
		if !src || !dst {
			status = "failed"
		}
		lineage = append(lineage, edgeResult{e, status})
		run.counts["lineage_"+status]++
	}
	run.Lineage, run.Documentation = len(b.lineage), len(b.docs)
	return answer{status: http.StatusOK, raw: batchAnswer(results, lineage, b.docs, stale)}
}

func (s *Server) complete(c *checker, o *object) answer {
	b := checkComplete(c, o)
	run := s.findRun(b.runID)
	if run == nil {
		c.errf("run_id", "unknown run %q", b.runID)
		return errorAnswer(http.StatusInternalServerError, "Failed to complete run: getting run: run not found")
	}
	if run.Status != "running" {
		return errorAnswer(http.StatusInternalServerError, "Failed to complete run: invalid status transition: cannot complete run with status "+run.Status)
	}
	if run.FailedAssets > 0 && b.status == "completed" {
		c.errf("status", "completed although %d assets failed; the run must fail", run.FailedAssets)
	}
	switch {
	case b.summary == nil && b.status == "completed":
		c.errf("summary", "null for a completed run")
	case b.summary != nil:
		want := map[string]int64{
			"assets_created": int64(run.counts["created"]), "assets_updated": int64(run.counts["updated"]),
			"assets_deleted": int64(run.stale), "lineage_created": int64(run.counts["lineage_created"]),
			"lineage_updated": 0, "documentation_added": int64(run.Documentation),
			"errors_count": int64(run.FailedAssets), "total_entities": int64(len(run.Assets) + run.Lineage + run.Documentation),
		}
		for k, v := range want {
			if got, ok := b.summary[k]; ok && got != v {
				c.errf("summary."+k, "is %d, the batch's results say %d", got, v)
			}
		}
	}
	run.Status, run.Summary, run.Error = b.status, b.summary, b.errMsg
	if b.status == "completed" && run.Batches > 0 {
		s.baselines[key{run.Pipeline, run.Source}] = maps.Clone(run.hashes)
	}
	return answer{status: http.StatusOK, body: map[string]string{"status": b.status}}
}

func (s *Server) destroy(pipeline string) answer {
	deleted := []string{}
	for k, mrns := range s.baselines {
		if k.pipeline != pipeline {
			continue
		}
		for mrn := range mrns {
			if _, ok := s.catalog[mrn]; ok {
				delete(s.catalog, mrn)
				deleted = append(deleted, mrn)
			}
		}
		delete(s.baselines, k)
	}
	slices.Sort(deleted)
	return answer{status: http.StatusOK, body: map[string]any{
		"assets_deleted": len(deleted), "lineage_deleted": 0, "documentation_deleted": 0, "deleted_entity_mrns": deleted,
	}}
}

// hashAsset is Marmot's hash of a batch asset (§4.2): SHA-256 over the
// JSON of name, type, providers, description, metadata, schema, tags,
// the sources' names only, and external_links. The sync time is not in
// it, so an asset discovered again unchanged hashes the same.
func hashAsset(raw json.RawMessage) string {
	var a struct {
		Name        string         `json:"name"`
		Type        string         `json:"type"`
		Providers   []string       `json:"providers"`
		Description *string        `json:"description"`
		Metadata    map[string]any `json:"metadata"`
		Schema      map[string]any `json:"schema"`
		Tags        []string       `json:"tags"`
		Sources     []struct {
			Name any `json:"name"` // the rest (properties: the metadata again) is not hashed, nor decoded
		} `json:"sources"`
		ExternalLinks []map[string]any `json:"external_links"`
	}
	// A value of the wrong type is left zero and hashed so: checkAsset
	// reports it as a violation.
	_ = json.Unmarshal(raw, &a)
	names := make([]any, len(a.Sources))
	for i, src := range a.Sources {
		names[i] = src.Name
	}
	out, _ := json.Marshal([]any{a.Name, a.Type, a.Providers, a.Description, a.Metadata, a.Schema, a.Tags, names, a.ExternalLinks})
	sum := sha256.Sum256(out)
	return hex.EncodeToString(sum[:])
}

// canonical re-encodes JSON with sorted keys; invalid JSON is returned
// as it is.
func canonical(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(out)
}
