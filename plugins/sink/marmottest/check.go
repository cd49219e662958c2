package marmottest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// The request shapes of docs/marmot-api.md, keys in
// the CLI's order.
var (
	startKeys    = []string{"pipeline_name", "source_name", "config"}
	batchKeys    = []string{"assets", "lineage", "documentation", "statistics", "run_history", "glossary_terms", "config", "pipeline_name", "source_name", "run_id"}
	assetKeys    = []string{"name", "type", "providers", "description", "metadata", "schema", "tags", "sources", "external_links", "terms"}
	sourceKeys   = []string{"name", "last_sync_at", "properties", "priority"}
	linkKeys     = []string{"name", "url"}
	lineageKeys  = []string{"source", "target", "type", "job_mrn"}
	docKeys      = []string{"asset_mrn", "content", "type"}
	statKeys     = []string{"asset_mrn", "metric_name", "value"}
	historyKeys  = []string{"asset_mrn", "run_id", "job_namespace", "job_name", "event_type", "event_time", "run_facets", "job_facets"}
	completeKeys = []string{"run_id", "status", "summary", "error"}
	summaryKeys  = []string{"assets_created", "assets_updated", "assets_deleted", "lineage_created", "lineage_updated", "documentation_added", "errors_count", "total_entities", "duration_seconds", "glossary_terms_created", "glossary_terms_updated", "assets_terms_linked"}
)

type startBody struct{ pipeline, source string }

func checkStart(c *checker, o *object) startBody {
	c.keys("body", o, startKeys)
	c.is("config", o.vals["config"], "object")
	return startBody{c.nonEmptyStr("pipeline_name", o.vals["pipeline_name"]), c.nonEmptyStr("source_name", o.vals["source_name"])}
}

// batchBody is what the fake needs of a batch.
type batchBody struct {
	pipeline, source, runID string
	assets                  []asset
	lineage                 []edge
	docs                    []doc
	crash                   bool // an asset without providers: Marmot's handler panics
}

type asset struct {
	name, typ, provider string
	raw                 json.RawMessage
}

type edge struct{ source, target, typ string }

type doc struct{ mrn, typ string }

func checkBatch(c *checker, o *object) batchBody {
	c.keys("body", o, batchKeys, "glossary_terms")
	b := batchBody{
		pipeline: c.nonEmptyStr("pipeline_name", o.vals["pipeline_name"]),
		source:   c.nonEmptyStr("source_name", o.vals["source_name"]),
		runID:    c.nonEmptyStr("run_id", o.vals["run_id"]),
	}
	c.is("config", o.vals["config"], "object")
	assets := c.array("assets", o.vals["assets"], false)
	if len(assets) == 0 && kind(o.vals["assets"]) == "array" {
		c.errf("assets", "is empty: Marmot would delete every asset of the pipeline's source (§6)")
	}
	for i, raw := range assets {
		a, crash := checkAsset(c, fmt.Sprintf("assets[%d]", i), raw)
		b.crash = b.crash || crash
		b.assets = append(b.assets, a)
	}
	for i, raw := range c.array("lineage", o.vals["lineage"], false) {
		path := fmt.Sprintf("lineage[%d]", i)
		if e := c.object(path, raw); e != nil {
			c.keys(path, e, lineageKeys, "job_mrn")
			b.lineage = append(b.lineage, edge{c.nonEmptyStr(path+".source", e.vals["source"]), c.nonEmptyStr(path+".target", e.vals["target"]), c.str(path+".type", e.vals["type"])})
			if j, ok := e.vals["job_mrn"]; ok {
				c.nonEmptyStr(path+".job_mrn", j)
			}
		}
	}
	for i, raw := range c.array("documentation", o.vals["documentation"], false) {
		path := fmt.Sprintf("documentation[%d]", i)
		if d := c.object(path, raw); d != nil {
			c.keys(path, d, docKeys)
			c.str(path+".content", d.vals["content"])
			b.docs = append(b.docs, doc{c.nonEmptyStr(path+".asset_mrn", d.vals["asset_mrn"]), c.str(path+".type", d.vals["type"])})
		}
	}
	for i, raw := range c.array("statistics", o.vals["statistics"], true) {
		path := fmt.Sprintf("statistics[%d]", i)
		if s := c.object(path, raw); s != nil {
			c.keys(path, s, statKeys)
			c.str(path+".asset_mrn", s.vals["asset_mrn"])
			c.str(path+".metric_name", s.vals["metric_name"])
			c.is(path+".value", s.vals["value"], "number")
		}
	}
	for i, raw := range c.array("run_history", o.vals["run_history"], false) {
		path := fmt.Sprintf("run_history[%d]", i)
		if h := c.object(path, raw); h != nil {
			c.keys(path, h, historyKeys, "run_facets", "job_facets")
		}
	}
	if g, ok := o.vals["glossary_terms"]; ok && len(c.array("glossary_terms", g, false)) == 0 {
		c.errf("glossary_terms", "is sent empty; the CLI omits it")
	}
	return b
}

// checkAsset checks one CreateAsset (§4.1); crash is true when Marmot's
// handler would panic on it.
func checkAsset(c *checker, path string, raw json.RawMessage) (a asset, crash bool) {
	o := c.object(path, raw)
	if o == nil {
		return asset{}, false
	}
	a.raw = raw
	c.keys(path, o, assetKeys, "terms")
	a.name = c.str(path+".name", o.vals["name"])
	a.typ = c.nonEmptyStr(path+".type", o.vals["type"])
	providers := c.strings(path+".providers", o.vals["providers"], false)
	if len(providers) == 0 {
		c.errf(path+".providers", "is empty: Marmot's handler panics and closes the connection (§1.5)")
		crash = kind(o.vals["providers"]) == "array"
	} else {
		a.provider = providers[0]
	}
	c.is(path+".description", o.vals["description"], "string", "null")
	c.is(path+".metadata", o.vals["metadata"], "object", "null")
	if s := c.object(path+".schema", o.vals["schema"]); s != nil {
		for _, k := range s.keys {
			c.is(path+".schema."+k, s.vals[k], "string")
		}
	}
	tags := c.strings(path+".tags", o.vals["tags"], true)
	if kind(o.vals["tags"]) == "array" && len(tags) == 0 {
		c.errf(path+".tags", "is [], the CLI sends null when there are no tags")
	}
	for i, s := range c.array(path+".sources", o.vals["sources"], false) {
		sp := fmt.Sprintf("%s.sources[%d]", path, i)
		if kind(s) == "string" {
			continue // accepted by the server
		}
		if so := c.object(sp, s); so != nil {
			c.keys(sp, so, sourceKeys, "properties")
			c.nonEmptyStr(sp+".name", so.vals["name"])
			c.timestamp(sp+".last_sync_at", so.vals["last_sync_at"])
			c.integer(sp+".priority", so.vals["priority"])
			if p, ok := so.vals["properties"]; ok {
				c.is(sp+".properties", p, "object", "null")
			}
		}
	}
	for i, l := range c.array(path+".external_links", o.vals["external_links"], false) {
		lp := fmt.Sprintf("%s.external_links[%d]", path, i)
		if lo := c.object(lp, l); lo != nil {
			c.keys(lp, lo, linkKeys)
			c.str(lp+".name", lo.vals["name"])
			c.str(lp+".url", lo.vals["url"])
		}
	}
	if t, ok := o.vals["terms"]; ok && len(c.strings(path+".terms", t, false)) == 0 {
		c.errf(path+".terms", "is sent empty; the CLI omits it")
	}
	return a, crash
}

type completeBody struct {
	runID, status, errMsg string
	summary               map[string]int64 // nil when null
}

func checkComplete(c *checker, o *object) completeBody {
	c.keys("body", o, completeKeys, "error")
	b := completeBody{runID: c.nonEmptyStr("run_id", o.vals["run_id"]), status: c.str("status", o.vals["status"])}
	if !slices.Contains([]string{"completed", "failed", "cancelled"}, b.status) {
		c.errf("status", "is %q, want completed, failed or cancelled", b.status)
	}
	if e, ok := o.vals["error"]; ok {
		b.errMsg = c.nonEmptyStr("error", e)
	}
	if kind(o.vals["summary"]) == "null" {
		return b
	}
	if s := c.object("summary", o.vals["summary"]); s != nil {
		c.keys("summary", s, summaryKeys, summaryKeys[9:]...)
		b.summary = map[string]int64{}
		for _, k := range s.keys {
			b.summary[k] = c.integer("summary."+k, s.vals[k])
		}
	}
	return b
}
