package ingest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

func TestTagTemplates(t *testing.T) {
	meta := map[string]any{
		"database": "shop", "port": json.Number("5432"), "size": 1024.0, "ok": true, "nothing": nil,
		"owner": map[string]any{"name": "app", "team": map[string]any{"id": 7}},
		"a.b":   "flat keys with dots are not reached",
	}
	tests := []struct {
		tags []string
		want []string
	}{
		{[]string{"postgres", "db-${database}"}, []string{"postgres", "db-shop"}},
		{[]string{"${port}/${size}/${ok}"}, []string{"5432/1024/true"}},
		{[]string{"${owner.name}", "team-${owner.team.id}"}, []string{"app", "team-7"}},
		{[]string{"${missing}", "${nothing}", "", "x${missing}"}, []string{"x"}},
		{[]string{"${a.b}", "${owner.missing.deeper}", "${database.sub}"}, []string{}},
		{[]string{"${unterminated", "$database"}, []string{"${unterminated", "$database"}},
	}
	for _, tt := range tests {
		if got := newTagTemplates(tt.tags).expand(meta); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("expand(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
	if got := newTagTemplates([]string{"a", ""}).expand(nil); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("fixed tags = %q", got)
	}
}

func TestMergeTags(t *testing.T) {
	own := []string{"a", "b"}
	got := mergeTags(own[:2:2], []string{"b", "c"})
	if !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("merge = %q", got)
	}
	backing := make([]string, 2, 10)
	copy(backing, own)
	mergeTags(backing, []string{"z"})
	if backing[:3][2] != "" {
		t.Error("mergeTags wrote into the source's backing array")
	}
}

func TestFilterKeep(t *testing.T) {
	cfg := func(include, exclude []any) map[string]any {
		return map[string]any{"include": include, "exclude": exclude}
	}
	tests := []struct {
		name string
		cfg  any
		keep []string
		drop []string
	}{
		{"no filter", nil, []string{"x"}, nil},
		{"empty lists", cfg(nil, []any{}), []string{"x"}, nil},
		{"exclude only, unanchored", cfg(nil, []any{"tmp"}), []string{"orders"}, []string{"tmp_orders", "orders_tmp"}},
		{"include only", cfg([]any{"^shop$", "order"}, nil), []string{"shop", "orders", "customer_orders"}, []string{"shopping", "customers"}},
		{"exclude wins over include", cfg([]any{"order"}, []any{"^customer_"}), []string{"orders"}, []string{"customer_orders"}},
		{"case sensitive, (?i) allowed", cfg([]any{"(?i)^ORDERS$"}, nil), []string{"orders", "Orders"}, []string{"order"}},
	}
	for _, tt := range tests {
		f, err := parseFilter("filter", tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, n := range tt.keep {
			if f != nil && !f.keep(n) {
				t.Errorf("%s: %q dropped", tt.name, n)
			}
		}
		for _, n := range tt.drop {
			if f == nil || f.keep(n) {
				t.Errorf("%s: %q kept", tt.name, n)
			}
		}
	}
}

func TestParseCommonErrors(t *testing.T) {
	tests := []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"tags": "postgres"}, "runs[0].pg.tags: must be a list of strings, got a string"},
		{map[string]any{"tags": []any{"a", 1.0}}, "runs[0].pg.tags[1]: must be a string"},
		{map[string]any{"filter": []any{}}, "runs[0].pg.filter: must be an object"},
		{map[string]any{"filter": map[string]any{"exclud": []any{"x"}}}, "runs[0].pg.filter.exclud: unknown field"},
		{map[string]any{"filter": map[string]any{"include": []any{"a", "[z-a]"}}}, "runs[0].pg.filter.include[1]: invalid regular expression"},
		{map[string]any{"external_links": map[string]any{}}, "runs[0].pg.external_links: must be a list"},
		{map[string]any{"external_links": []any{map[string]any{"name": "x"}}}, "runs[0].pg.external_links[0].url: must be a string"},
		{map[string]any{"external_links": []any{map[string]any{"name": "", "url": "u"}}}, "runs[0].pg.external_links[0].name: required"},
	}
	for _, tt := range tests {
		_, err := parseCommon("runs[0].pg", tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseCommon(%v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestCommonApply(t *testing.T) {
	c, err := parseCommon("x", map[string]any{
		"tags":           []any{"t", "${database}"},
		"external_links": []any{map[string]any{"name": "Docs", "url": "https://d", "icon": "i"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &model.Asset{Name: "My Orders", Type: "Table", Providers: []string{"PostgreSQL"}, Tags: []string{"own", "t"},
		Metadata: map[string]any{"database": "shop"}, ExternalLinks: []model.ExternalLink{{Name: "Docs", URL: "https://d"}}}
	got := c.apply(a)
	if got.MRN != "mrn://table/postgresql/my-orders" {
		t.Errorf("MRN = %q", got.MRN)
	}
	if !reflect.DeepEqual(got.Tags, []string{"own", "t", "shop"}) {
		t.Errorf("tags = %q", got.Tags)
	}
	if len(got.ExternalLinks) != 1 {
		t.Errorf("links = %v, want the source's one, not repeated", got.ExternalLinks)
	}
	if a.MRN != "" || len(a.Tags) != 2 {
		t.Error("apply modified the source's asset")
	}
}
