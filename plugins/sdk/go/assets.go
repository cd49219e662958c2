package sdk

import (
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// LineageContains is the lineage type from a container (a database) to
// what it holds (its tables), as Marmot's own sources use it.
const LineageContains = "CONTAINS"

// MRN is Marmot's identifier for an asset (model.MRN).
func MRN(typ, provider, name string) string { return model.MRN(typ, provider, name) }

// NewAsset returns an asset of type typ (e.g. "Table") from provider
// (e.g. "PostgreSQL"), whose MRN is the one Marmot derives from type,
// providers[0] and name, so lineage by MRN matches the stored asset.
func NewAsset(typ, provider, name string) model.Asset {
	return model.Asset{MRN: model.MRN(typ, provider, name), Name: name, Type: typ, Providers: []string{provider}}
}

// SourceAt returns the sources entry Marmot's own plugins add to each
// asset: the provider's name, the sync time and the metadata as
// properties, priority 1.
func SourceAt(provider string, at time.Time, properties map[string]any) model.AssetSource {
	return model.AssetSource{Name: provider, LastSyncAt: at.UTC(), Properties: properties, Priority: 1}
}

// NewLineage returns an edge between two asset MRNs.
func NewLineage(source, target, typ string) model.Lineage {
	return model.Lineage{Source: source, Target: target, Type: typ}
}

// Contains returns a CONTAINS edge from parent to child.
func Contains(parent, child string) model.Lineage {
	return NewLineage(parent, child, LineageContains)
}
