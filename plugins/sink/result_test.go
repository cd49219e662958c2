package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeBatchResult(t *testing.T) {
	var assets []string
	for i := range MaxFailures + 5 {
		assets = append(assets, fmt.Sprintf(`{"name":"f%d","type":"Table","provider":"P","mrn":"m%d","asset":{"name":"f%d","deep":{"x":[1,2,{"y":null}]}},"status":"failed","error":"too long"}`, i, i, i))
	}
	assets = append(assets, `{"name":"c","status":"created","asset":{}}`, `{"name":"u","status":"updated"}`, `{"name":"n","status":"unchanged"}`,
		`{"name":"x","status":"failed"}`, `{"name":"y","status":"updated","error":"half"}`)
	body := `{"assets":[` + strings.Join(assets, ",") + `],
	  "lineage":[{"source":"a","target":"b","type":"T","status":"created"},{"status":"updated"},{"status":"failed"}],
	  "documentation":[{"asset_mrn":"a","type":"README","status":"created"},{"status":"updated"}],
	  "stale_entities_removed":["s1","s2"],
	  "glossary":{"terms_created":1},
	  "something_new":{"a":[1]}}`
	res, err := decodeBatchResult(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	want := BatchResult{AssetsCreated: 1, AssetsUpdated: 1, AssetsUnchanged: 1, AssetsFailed: MaxFailures + 7,
		LineageCreated: 1, LineageUpdated: 1, LineageFailed: 1, DocumentationCreated: 1, DocumentationUpdated: 1,
		StaleRemoved: 2, AssetResults: MaxFailures + 10}
	failures := res.Failures
	res.Failures = nil
	if !reflect.DeepEqual(*res, want) {
		t.Errorf("result = %+v\nwant     %+v", *res, want)
	}
	if len(failures) != MaxFailures || failures[0] != (AssetFailure{Name: "f0", Type: "Table", MRN: "m0", Error: "too long"}) {
		t.Errorf("failures = %d, first %+v", len(failures), failures[0])
	}
	for _, bad := range []string{`[]`, `{"assets":{}}`, `{"assets":[{"status":1}]}`, `{"assets":[`} {
		if _, err := decodeBatchResult(strings.NewReader(bad)); err == nil {
			t.Errorf("decodeBatchResult(%s) succeeded", bad)
		}
	}
	if res, err := decodeBatchResult(strings.NewReader(`{"assets":null,"lineage":[],"documentation":[]}`)); err != nil || res.AssetResults != 0 {
		t.Errorf("null assets: %+v, %v", res, err)
	}
}

func TestDryRun(t *testing.T) {
	var out bytes.Buffer
	d := NewDryRun(&out)
	res, err := runOnce(context.Background(), t, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.AssetResults != 0 {
		t.Errorf("dry-run result = %+v", res)
	}
	if _, err := d.DestroyPipeline(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{"POST " + PathStartRun, "POST " + PathBatch, "POST " + PathCompleteRun, "DELETE " + PathPipelines + "p"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, line := range lines {
		var l struct {
			Method, Path string
			Body         json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		if l.Method+" "+l.Path != want[i] {
			t.Errorf("line %d: %s %s, want %s", i, l.Method, l.Path, want[i])
		}
		switch i {
		case 1:
			var body struct {
				Assets []any  `json:"assets"`
				RunID  string `json:"run_id"`
			}
			if err := json.Unmarshal(l.Body, &body); err != nil {
				t.Fatalf("batch line: %v", err)
			}
			if len(body.Assets) != 2 || body.RunID != "dry-run-1" {
				t.Errorf("batch line: %d assets, run_id %q", len(body.Assets), body.RunID)
			}
		case 3:
			if string(l.Body) != "null" {
				t.Errorf("DELETE body = %s", l.Body)
			}
		}
	}
}
