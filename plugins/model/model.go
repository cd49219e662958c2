// Package model is what a source discovers, as Marmot's ingest API takes it
// (docs/marmot-api.md §4, §9). It uses only the
// standard library so that wasm guests (GOOS=wasip1) and the host share
// the same types and JSON.
package model

import "time"

// Asset is one discovered asset. MRN is the plugin's own identifier, used
// by the host to filter and to match lineage; Marmot derives the stored
// MRN from type, providers[0] and name (see MRN), and the two must agree.
type Asset struct {
	MRN           string            `json:"mrn"`
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	Providers     []string          `json:"providers"`
	Description   *string           `json:"description,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
	Schema        map[string]string `json:"schema,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	Sources       []AssetSource     `json:"sources,omitempty"`
	ExternalLinks []ExternalLink    `json:"external_links,omitempty"`
}

// AssetSource says which source saw the asset and when.
type AssetSource struct {
	Name       string         `json:"name"`
	LastSyncAt time.Time      `json:"last_sync_at"`
	Properties map[string]any `json:"properties,omitempty"`
	Priority   int            `json:"priority"`
}

// ExternalLink is a link shown on the asset.
type ExternalLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Icon string `json:"icon,omitempty"`
}

// Lineage is an edge between two assets, by their MRNs.
type Lineage struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"type"`
	JobMRN string `json:"job_mrn,omitempty"`
}

// Documentation is markdown attached to an asset.
type Documentation struct {
	MRN     string `json:"mrn"`
	Content string `json:"content"`
	Source  string `json:"source"`
}

// Statistic is one metric of an asset.
type Statistic struct {
	AssetMRN   string  `json:"asset_mrn"`
	MetricName string  `json:"metric_name"`
	Value      float64 `json:"value"`
}

// Item is one element of a discovery stream; exactly one field is set.
// Sources stream items in batches so that no side holds a whole catalogue.
type Item struct {
	Asset         *Asset         `json:"asset,omitempty"`
	Lineage       *Lineage       `json:"lineage,omitempty"`
	Documentation *Documentation `json:"documentation,omitempty"`
	Statistic     *Statistic     `json:"statistic,omitempty"`
}

// Description is what a source module says about itself.
type Description struct {
	// ID names the source in pipeline.yaml (e.g. postgresql).
	ID      string `json:"id"`
	Version string `json:"version"`
	// ABI is the plugin ABI version the module was built for.
	ABI int `json:"abi"`
	// ConfigSchema is a JSON Schema (draft 2020-12) of the source's config.
	// Properties marked "x-weir-endpoint": true name hosts (or host:port,
	// or URLs) the module may dial; "x-weir-secret": true marks values
	// masked before the config leaves the host.
	ConfigSchema map[string]any `json:"config_schema"`
	// Capabilities the module needs, e.g. "network".
	Capabilities []string `json:"capabilities,omitempty"`
}
