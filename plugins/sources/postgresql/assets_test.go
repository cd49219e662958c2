package postgresql

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

// columnsJSON encodes exactly as upstream's maps of column properties do,
// escaping included.
func TestColumnsJSONMatchesMaps(t *testing.T) {
	def, comment := "nextval('a_id_seq'::regclass)", "<b>\"quoted\" & \u2028 \xff"
	cols := []column{
		{ColumnName: "id", DataType: "integer", ColumnDefault: &def, IsPrimaryKey: true},
		{ColumnName: "weird \"name\" <x>", DataType: "text", IsNullable: true, Comment: &comment},
		{ColumnName: "empty", DataType: "text", Comment: new(string)},
	}
	got, err := columnsJSON(cols)
	if err != nil {
		t.Fatal(err)
	}
	var maps []any
	for _, c := range cols {
		m := map[string]any{"column_name": c.ColumnName, "data_type": c.DataType, "is_nullable": c.IsNullable, "is_primary_key": c.IsPrimaryKey}
		if c.ColumnDefault != nil {
			m["column_default"] = *c.ColumnDefault
		}
		if c.Comment != nil {
			m["comment"] = *c.Comment
		}
		maps = append(maps, m)
	}
	want, _ := json.Marshal(maps)
	if got != string(want) {
		t.Errorf("columns\n%s\nwant\n%s", got, want)
	}
}

func TestInterpolateTags(t *testing.T) {
	md := map[string]any{"database": "shop", "port": 5432, "is_template": false, "nested": map[string]any{"a": "b"}, "empty": ""}
	for _, c := range []struct {
		tags []string
		want []string
	}{
		{nil, nil},
		{[]string{}, nil},
		{[]string{"", "${missing}", "${empty}"}, nil},
		{[]string{"pg", "db-${database}", "${port}", "${is_template}", "${nested.a}", "${nested.x}-x", "${database"},
			[]string{"pg", "db-shop", "5432", "false", "b", "-x", "${database"}},
	} {
		if got := interpolateTags(c.tags, md); !reflect.DeepEqual(got, c.want) {
			t.Errorf("interpolateTags(%q) = %q, want %q", c.tags, got, c.want)
		}
	}
}

func TestBatcher(t *testing.T) {
	var sizes []int
	b := batcher{emit: func(items []model.Item) error { sizes = append(sizes, len(items)); return nil }}
	for i := 0; i < 2*BatchSize+1; i++ {
		if err := b.add(model.Item{Lineage: &model.Lineage{}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.flush(); err != nil { // nothing left: no empty batch
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sizes, []int{BatchSize, BatchSize, 1}) {
		t.Errorf("batches %v", sizes)
	}
	stop := errors.New("stop")
	b = batcher{emit: func([]model.Item) error { return stop }}
	for i := 0; i < BatchSize; i++ {
		_ = b.add(model.Item{})
	}
	if err := b.add(model.Item{}); !errors.Is(err, stop) {
		t.Errorf("after emit failed: %v", err)
	}
}
