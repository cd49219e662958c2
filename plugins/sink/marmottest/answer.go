package marmottest

import (
	"encoding/json"
	"unicode/utf8"
)

// assetResult is one asset's entry of a batch's answer (§4.3).
type assetResult struct {
	name, typ, provider, mrn string
	asset                    json.RawMessage // echoed as sent
	status, err              string
}

// edgeResult is one lineage edge's entry of a batch's answer.
type edgeResult struct {
	edge
	status string
}

// batchAnswer encodes a batch's answer by hand, keys in Marmot's order:
// encoding/json would re-check and compact every echoed asset and sort
// the keys of thousands of maps, which made the fake, not the client,
// the slow end of a benchmark.
func batchAnswer(assets []assetResult, lineage []edgeResult, docs []doc, stale []string) []byte {
	size := 64
	for _, a := range assets {
		size += len(a.asset) + 2*len(a.mrn) + 96
	}
	b := make([]byte, 0, size+len(lineage)*160)
	b = append(b, `{"assets":[`...)
	for i, a := range assets {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, '{', "name", a.name)
		b = appendField(b, ',', "type", a.typ)
		b = appendField(b, ',', "provider", a.provider)
		b = appendField(b, ',', "mrn", a.mrn)
		b = append(b, `,"asset":`...)
		b = append(b, a.asset...)
		b = appendField(b, ',', "status", a.status)
		if a.err != "" {
			b = appendField(b, ',', "error", a.err)
		}
		b = append(b, '}')
	}
	b = append(b, `],"lineage":[`...)
	for i, e := range lineage {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, '{', "source", e.source)
		b = appendField(b, ',', "target", e.target)
		b = appendField(b, ',', "type", e.typ)
		b = appendField(b, ',', "status", e.status)
		b = append(b, '}')
	}
	b = append(b, `],"documentation":[`...)
	for i, d := range docs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, '{', "asset_mrn", d.mrn)
		b = appendField(b, ',', "type", d.typ)
		b = appendField(b, ',', "status", "created")
		b = append(b, '}')
	}
	b = append(b, ']')
	if len(stale) > 0 {
		b = append(b, `,"stale_entities_removed":[`...)
		for i, mrn := range stale {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, mrn)
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// appendField appends sep, "key": and value as a JSON string.
func appendField(b []byte, sep byte, key, value string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

// appendString appends s as a JSON string; plain strings are copied,
// the rest encoded by encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
