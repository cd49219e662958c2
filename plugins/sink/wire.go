package sink

import (
	"fmt"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// The request and response shapes of Marmot's ingest API, with their keys
// in the order `marmot ingest` sends them
// (docs/marmot-api.md §3-§6).

// Run statuses accepted by runs/complete (§5).
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// StartRun is the body of POST /api/v1/runs/start (§3). Config must
// already be masked (see MaskConfig): Marmot stores and displays it.
type StartRun struct {
	PipelineName string         `json:"pipeline_name"`
	SourceName   string         `json:"source_name"`
	Config       map[string]any `json:"config"`
}

// CompleteRun is the body of POST /api/v1/runs/complete (§5). Summary is
// nil when the run failed before its batch, as `marmot ingest` does.
type CompleteRun struct {
	RunID   string   `json:"run_id"`
	Status  string   `json:"status"`
	Summary *Summary `json:"summary"`
	Error   string   `json:"error,omitempty"`
}

// Summary is the RunSummary Marmot stores verbatim with a completed run.
// The glossary counters are omitted when zero; weir sends no glossary.
type Summary struct {
	AssetsCreated        int `json:"assets_created"`
	AssetsUpdated        int `json:"assets_updated"`
	AssetsDeleted        int `json:"assets_deleted"`
	LineageCreated       int `json:"lineage_created"`
	LineageUpdated       int `json:"lineage_updated"`
	DocumentationAdded   int `json:"documentation_added"`
	ErrorsCount          int `json:"errors_count"`
	TotalEntities        int `json:"total_entities"`
	DurationSeconds      int `json:"duration_seconds"`
	GlossaryTermsCreated int `json:"glossary_terms_created,omitempty"`
	GlossaryTermsUpdated int `json:"glossary_terms_updated,omitempty"`
	AssetsTermsLinked    int `json:"assets_terms_linked,omitempty"`
}

// DestroyResult is the answer to DELETE /api/v1/pipelines/{name} (§6.1).
type DestroyResult struct {
	AssetsDeleted        int      `json:"assets_deleted"`
	LineageDeleted       int      `json:"lineage_deleted"`
	DocumentationDeleted int      `json:"documentation_deleted"`
	DeletedEntityMRNs    []string `json:"deleted_entity_mrns"`
}

// createAsset is one element of the batch's assets (§4.1 CreateAsset).
// Nullable keys are pointers or nil slices/maps on purpose; the ones the
// CLI always sends as [] or {} are filled by toCreateAsset.
type createAsset struct {
	Name          string              `json:"name"`
	Type          string              `json:"type"`
	Providers     []string            `json:"providers"`
	Description   *string             `json:"description"`
	Metadata      map[string]any      `json:"metadata"`
	Schema        map[string]string   `json:"schema"`
	Tags          []string            `json:"tags"`
	Sources       []model.AssetSource `json:"sources"`
	ExternalLinks []externalLink      `json:"external_links"`
}

// mrn is the MRN Marmot gives the asset: from type, providers[0] and name.
func (a *createAsset) mrn() string { return model.MRN(a.Type, a.Providers[0], a.Name) }

// externalLink drops the icon, as the CLI does.
type externalLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// documentation is a batch Doc: the plugin's source becomes type.
type documentation struct {
	AssetMRN string `json:"asset_mrn"`
	Content  string `json:"content"`
	Type     string `json:"type"`
}

var emptySchema = map[string]string{}

// toCreateAsset converts a discovered asset to its wire shape. syncedAt
// fills sources whose last_sync_at the plugin left unset. It refuses an
// asset without a provider: Marmot derives the MRN from providers[0] and
// its handler crashes on an empty list (§1.5, §4.1).
func toCreateAsset(a *model.Asset, syncedAt time.Time) (createAsset, error) {
	if len(a.Providers) == 0 || a.Providers[0] == "" {
		return createAsset{}, fmt.Errorf("asset %q of type %q has no provider; Marmot needs providers[0] to derive its MRN", a.Name, a.Type)
	}
	w := createAsset{
		Name:        a.Name,
		Type:        a.Type,
		Providers:   a.Providers,
		Description: a.Description,
		Metadata:    a.Metadata,
		Schema:      a.Schema,
		Sources:     a.Sources,
	}
	if len(w.Schema) == 0 {
		w.Schema = emptySchema
	}
	if len(a.Tags) > 0 {
		w.Tags = a.Tags
	}
	if w.Sources == nil {
		w.Sources = []model.AssetSource{}
	}
	copied := false
	for i := range w.Sources {
		if !w.Sources[i].LastSyncAt.IsZero() {
			continue
		}
		if !copied { // never write into the plugin's slice
			w.Sources = append([]model.AssetSource(nil), w.Sources...)
			copied = true
		}
		w.Sources[i].LastSyncAt = syncedAt
	}
	w.ExternalLinks = make([]externalLink, len(a.ExternalLinks))
	for i, l := range a.ExternalLinks {
		w.ExternalLinks[i] = externalLink{Name: l.Name, URL: l.URL}
	}
	return w, nil
}
