package sink

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// MaxFailures bounds the failed assets a BatchResult lists.
const MaxFailures = 100

// BatchResult tallies Marmot's answer to a batch (contract §4.3).
type BatchResult struct {
	AssetsCreated, AssetsUpdated, AssetsUnchanged, AssetsFailed int
	LineageCreated, LineageUpdated, LineageFailed               int
	DocumentationCreated, DocumentationUpdated                  int
	// StaleRemoved counts stale_entities_removed: assets of earlier runs
	// that this run no longer reported, deleted by Marmot.
	StaleRemoved int
	// Failures lists the first MaxFailures failed assets.
	Failures []AssetFailure
	// AssetResults counts the answer's asset results, one per asset sent.
	AssetResults int
}

// AssetFailure is an asset Marmot could not store.
type AssetFailure struct {
	Name, Type, MRN, Error string
}

// Failed reports whether any asset failed, which fails the run.
func (r *BatchResult) Failed() bool { return r.AssetsFailed > 0 }

// Summary is the run summary runs/complete takes, counted as the CLI
// does: errors_count is the number of failed assets, total_entities what
// the batch held, duration whole seconds since just before runs/start.
func (r *BatchResult) Summary(b *Batch, elapsed time.Duration) *Summary {
	return &Summary{
		AssetsCreated:      r.AssetsCreated,
		AssetsUpdated:      r.AssetsUpdated,
		AssetsDeleted:      r.StaleRemoved,
		LineageCreated:     r.LineageCreated,
		LineageUpdated:     r.LineageUpdated,
		DocumentationAdded: r.DocumentationCreated,
		ErrorsCount:        r.AssetsFailed,
		TotalEntities:      b.TotalEntities(),
		DurationSeconds:    int(elapsed.Seconds()),
	}
}

type assetResult struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Provider string `json:"provider"`
	MRN      string `json:"mrn"`
	Status   string `json:"status"`
	Error    string `json:"error"`
	// "asset", the echo of the request's asset, is skipped.
}

type entityResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
}

// decodeBatchResult reads the answer one result at a time, so that its
// size does not matter.
func decodeBatchResult(r io.Reader) (*BatchResult, error) {
	res := &BatchResult{}
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var each func() error
		switch tok {
		case "assets":
			each = func() error {
				var a assetResult
				if err := dec.Decode(&a); err != nil {
					return err
				}
				res.addAsset(a)
				return nil
			}
		case "lineage":
			each = func() error {
				var l entityResult
				if err := dec.Decode(&l); err != nil {
					return err
				}
				switch {
				case l.Status == "failed" || l.Error != "":
					res.LineageFailed++
				case l.Status == "created":
					res.LineageCreated++
				case l.Status == "updated":
					res.LineageUpdated++
				}
				return nil
			}
		case "documentation":
			each = func() error {
				var d entityResult
				if err := dec.Decode(&d); err != nil {
					return err
				}
				switch d.Status {
				case "created":
					res.DocumentationCreated++
				case "updated":
					res.DocumentationUpdated++
				}
				return nil
			}
		case "stale_entities_removed":
			each = func() error {
				var mrn string
				res.StaleRemoved++
				return dec.Decode(&mrn)
			}
		default: // glossary, or keys of a newer Marmot
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if err := eachElement(dec, each); err != nil {
			return nil, fmt.Errorf("%v: %w", tok, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return res, nil
}

func (r *BatchResult) addAsset(a assetResult) {
	r.AssetResults++
	switch {
	case a.Status == "failed" || a.Error != "":
		r.AssetsFailed++
		if len(r.Failures) < MaxFailures {
			msg := a.Error
			if msg == "" {
				msg = "failed (Marmot gave no reason)"
			}
			r.Failures = append(r.Failures, AssetFailure{Name: a.Name, Type: a.Type, MRN: a.MRN, Error: msg})
		}
	case a.Status == "created":
		r.AssetsCreated++
	case a.Status == "updated":
		r.AssetsUpdated++
	case a.Status == "unchanged":
		r.AssetsUnchanged++
	}
}

// eachElement calls each for every element of the array that comes next;
// null counts as empty.
func eachElement(dec *json.Decoder, each func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want an array, got %v", tok)
	}
	for dec.More() {
		if err := each(); err != nil {
			return err
		}
	}
	_, err = dec.Token() // ]
	return err
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %v, got %v", want, tok)
	}
	return nil
}
