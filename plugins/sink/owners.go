package sink

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"strings"
)

// Collision is a set of assets of one batch that Marmot stores under one
// MRN (the postgresql source's bare names: public.orders and sales.orders
// are both mrn://table/postgresql/orders).
type Collision struct {
	MRN string
	// Kept is the asset sent: the last one discovered, whose content
	// `marmot ingest` leaves in the catalogue (each asset of its batch
	// overwrites the earlier ones).
	Kept string
	// Dropped are the earlier ones, in discovery order.
	Dropped []string
}

// owners decides which asset owns each MRN of a batch, as Marmot ends up
// storing it: the last one. Only that one is sent. Sending all of them, as
// `marmot ingest` does, breaks as soon as the assets hash the same from
// one run to the next: Marmot compares each asset with the hash the
// baseline recorded for the MRN (the last one's), so the earlier asset is
// written as "updated" and the owner, found unchanged, is not, and the
// catalogue holds the wrong table from the second run on.
//
// It keeps 16 bytes of hash and a body offset per asset (a 128-bit hash:
// no two of a catalogue's MRNs meet by chance), and the offsets of the
// assets to drop.
type owners struct {
	last     map[[16]byte]int64   // MRN hash -> body offset of its last asset
	shadowed map[[16]byte][]int64 // MRN hash -> offsets of the earlier ones
}

func mrnKey(mrn string) [16]byte {
	h := fnv.New128a()
	h.Write([]byte(mrn))
	var k [16]byte
	h.Sum(k[:0])
	return k
}

// add records an asset of MRN mrn at body offset off; it returns true
// when an earlier asset had that MRN.
func (o *owners) add(mrn string, off int64) bool {
	if o.last == nil {
		o.last = map[[16]byte]int64{}
	}
	k := mrnKey(mrn)
	prev, seen := o.last[k]
	o.last[k] = off
	if !seen {
		return false
	}
	if o.shadowed == nil {
		o.shadowed = map[[16]byte][]int64{}
	}
	o.shadowed[k] = append(o.shadowed[k], prev)
	return true
}

// dropped is how many assets are not sent.
func (o *owners) dropped() int {
	n := 0
	for _, offs := range o.shadowed {
		n += len(offs)
	}
	return n
}

// collisions reads, from the body, what the colliding assets are.
func (o *owners) collisions(body *os.File) ([]Collision, error) {
	var out []Collision
	for k, offs := range o.shadowed {
		kept, err := assetAt(body, o.last[k])
		if err != nil {
			return nil, err
		}
		c := Collision{MRN: kept.mrn(), Kept: kept.label()}
		for _, off := range offs {
			a, err := assetAt(body, off)
			if err != nil {
				return nil, err
			}
			if a.mrn() != c.MRN {
				return nil, fmt.Errorf("internal error: assets %s and %s taken for one MRN", a.mrn(), c.MRN)
			}
			c.Dropped = append(c.Dropped, a.label())
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Collision) int { return strings.Compare(a.MRN, b.MRN) })
	return out, nil
}

// rewrite copies body's assets, from offset start to end, into w without
// the dropped ones and the commas that joined them to their neighbours.
// A dropped asset is never the last one (its owner follows it).
func (o *owners) rewrite(w io.Writer, body *os.File, start, end int64) error {
	var cuts [][2]int64
	for _, offs := range o.shadowed {
		for _, off := range offs {
			n, err := assetLen(body, off)
			if err != nil {
				return err
			}
			if off == start {
				cuts = append(cuts, [2]int64{off, off + n + 1}) // and the comma after
			} else {
				cuts = append(cuts, [2]int64{off - 1, off + n}) // and the comma before
			}
		}
	}
	slices.SortFunc(cuts, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	at := start
	for _, c := range append(cuts, [2]int64{end, end}) {
		if _, err := io.Copy(w, io.NewSectionReader(body, at, c[0]-at)); err != nil {
			return fmt.Errorf("rewriting the batch file: %w", err)
		}
		at = c[1]
	}
	return nil
}

// assetAt decodes the asset that starts at off.
func assetAt(body *os.File, off int64) (*createAsset, error) {
	var a createAsset
	dec := json.NewDecoder(bufio.NewReader(io.NewSectionReader(body, off, 1<<62)))
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("reading the batch file: %w", err)
	}
	return &a, nil
}

// assetLen is the length of the asset's JSON that starts at off.
func assetLen(body *os.File, off int64) (int64, error) {
	dec := json.NewDecoder(bufio.NewReader(io.NewSectionReader(body, off, 1<<62)))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, fmt.Errorf("reading the batch file: %w", err)
	}
	return int64(len(raw)), nil
}

// label names an asset for people: database.schema.table when the source
// says so in its metadata (the SQL sources do), else its description,
// else its type and name.
func (a *createAsset) label() string {
	var parts []string
	for _, k := range []string{"database", "schema", "table_name"} {
		if s, ok := a.Metadata[k].(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	switch {
	case len(parts) > 1:
		return strings.Join(parts, ".")
	case a.Description != nil && *a.Description != "":
		return *a.Description
	}
	return a.Type + " " + a.Name
}
