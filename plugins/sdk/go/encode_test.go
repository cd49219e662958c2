package sdk

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// The tricky bytes and runes of JSON strings: quotes, backslashes,
// controls, HTML characters, DEL, invalid UTF-8, U+2028/9, multi-byte.
var alphabet = []string{"a", "Z", "0", " ", `"`, `\`, "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f",
	"<", ">", "&", "\u2028", "\u2029", "é", "日本", "🙂", "\xff", "\xc3", "\xe2\x80", "\ufffd", "${region}", "{", "}", ":"}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	switch r.IntN(11) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.IntN(1<<20) - 1<<19
	case 3:
		return int64(r.Uint64())
	case 4:
		return int32(r.Uint32())
	case 5:
		return r.Uint64()
	case 6:
		return []float64{0, 1, -1.5, 1e21, 1e-7, 123456789.125, math.MaxFloat64}[r.IntN(7)]
	case 7:
		if depth < 2 {
			return randMap(r, depth+1)
		}
		return "leaf"
	case 8:
		return []any{randString(r), r.IntN(9), nil}
	case 9:
		return json.Number("12.50")
	}
	return randString(r)
}

func randMap(r *rand.Rand, depth int) map[string]any {
	if r.IntN(5) == 0 {
		return nil
	}
	m := map[string]any{}
	for range r.IntN(8) {
		m[randString(r)] = randValue(r, depth)
	}
	return m
}

func randStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	var out []string
	for range 1 + r.IntN(4) {
		out = append(out, randString(r))
	}
	return out
}

func randItem(r *rand.Rand) model.Item {
	var it model.Item
	if r.IntN(2) == 0 {
		md := randMap(r, 0)
		a := &model.Asset{MRN: randString(r), Name: randString(r), Type: randString(r), Providers: randStrings(r),
			Metadata: md, Tags: randStrings(r)}
		if r.IntN(2) == 0 {
			d := randString(r)
			a.Description = &d
		}
		if r.IntN(2) == 0 {
			a.Schema = map[string]string{"columns": randString(r), randString(r): randString(r)}
		}
		for range r.IntN(3) {
			a.Sources = append(a.Sources, model.AssetSource{Name: randString(r), Properties: md, Priority: r.IntN(5) - 2,
				LastSyncAt: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("x", r.IntN(50000)-25000))})
		}
		for range r.IntN(3) {
			a.ExternalLinks = append(a.ExternalLinks, model.ExternalLink{Name: randString(r), URL: randString(r), Icon: randString(r)})
		}
		it.Asset = a
	}
	if r.IntN(3) == 0 {
		it.Lineage = &model.Lineage{Source: randString(r), Target: randString(r), Type: randString(r), JobMRN: randString(r)}
	}
	if r.IntN(4) == 0 {
		it.Documentation = &model.Documentation{MRN: randString(r), Content: randString(r), Source: randString(r)}
	}
	if r.IntN(4) == 0 {
		it.Statistic = &model.Statistic{AssetMRN: randString(r), MetricName: randString(r), Value: r.NormFloat64() * 1e6}
	}
	return it
}

// appendItem is encoding/json, byte for byte, on generated items.
func TestAppendItemMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		it := randItem(r)
		want, werr := json.Marshal(&it)
		got, gerr := appendItem(nil, &it)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("item %d: errors differ: encoding/json %v, appendItem %v", i, werr, gerr)
		}
		if werr == nil && string(got) != string(want) {
			t.Fatalf("item %d differs:\nappendItem:    %s\nencoding/json: %s", i, got, want)
		}
	}
}

func TestAppendItemErrors(t *testing.T) {
	it := model.Item{Asset: &model.Asset{Metadata: map[string]any{"x": math.NaN()}}}
	if _, err := appendItem(nil, &it); err == nil {
		t.Fatal("NaN in metadata encoded without an error; encoding/json refuses it")
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range alphabet {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}

// BenchmarkEncodeItem: a table asset as the sources emit it (metadata,
// a schema of 20 columns as JSON text, one source), by encoding/json and
// by appendItem. Run it as wasm too (docs/performance.md).
func BenchmarkEncodeItem(b *testing.B) {
	var cols []string
	for i := range 20 {
		cols = append(cols, fmt.Sprintf(`{"column_name":"c%d","data_type":"character varying","is_nullable":true,"is_primary_key":false}`, i))
	}
	md := map[string]any{"host": "db.example.com", "port": 5432, "database": "bench", "schema": "public", "table_name": "t0001",
		"object_type": "table", "owner": "postgres", "row_count": int64(0), "size": int64(8192), "comment": "a <table> & more"}
	desc := "PostgreSQL table public.t0001 in database bench"
	it := model.Item{Asset: &model.Asset{MRN: model.MRN("Table", "PostgreSQL", "bench.public.t0001"), Name: "t0001", Type: "Table",
		Providers: []string{"PostgreSQL"}, Description: &desc, Metadata: md, Schema: map[string]string{"columns": "[" + strings.Join(cols, ",") + "]"},
		Sources: []model.AssetSource{{Name: "PostgreSQL", LastSyncAt: time.Now().UTC(), Properties: md, Priority: 1}}}}
	b.Run("encoding-json", func(b *testing.B) {
		var n int
		for b.Loop() {
			d, _ := json.Marshal(&it)
			n = len(d)
		}
		b.SetBytes(int64(n))
	})
	b.Run("appendItem", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = appendItem(buf[:0], &it)
		}
		b.SetBytes(int64(len(buf)))
	})
}
