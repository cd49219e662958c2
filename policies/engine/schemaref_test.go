package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// refTargets are a server that records every request and a local file
// with a secret in it: what a remote "$ref" could reach.
func refTargets(t *testing.T) (httpRef, fileRef, secret string, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"type": "string"}`)
	}))
	t.Cleanup(srv.Close)
	secret = "s3cr3t-from-the-operator-disk"
	file := filepath.Join(t.TempDir(), "leak.json")
	if err := os.WriteFile(file, []byte(`{"type": "object", "properties": {"x": {"const": "`+secret+`"}}, "required": ["`+secret+`"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/schema.json", "file://" + file, secret, hits
}

// withSource is the default bundle with data.sources holding one source
// whose schema refers to ref, as a SourcePlugin's schema reaches it.
func withSource(ref string) Bundle {
	b := DefaultBundle()
	b.Data["sources"] = map[string]any{"evil": map[string]any{"builtin": false, "version": "1", "schema": map[string]any{
		"type": "object", "properties": map[string]any{"host": map[string]any{"$ref": ref}},
	}}}
	return b
}

func TestRemoteSchemaRefInDataRefused(t *testing.T) {
	httpRef, fileRef, secret, hits := refTargets(t)
	for _, ref := range []string{httpRef, fileRef, "other.json#/definitions/x"} {
		t.Run(ref, func(t *testing.T) {
			e := loaded(t, DefaultBundle())
			be := loadErr(t, e, withSource(ref))
			msg := be.Error()
			for _, want := range []string{`data/sources/evil/schema/properties/host/$ref is "` + ref + `"`, `starting with "#"`, "#/definitions/<name>"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if err := e.Validate(withSource(ref)); err == nil {
				t.Error("Validate accepted the bundle")
			}
			// The last good revision still decides, reaching nothing.
			in := runInput(t, `{"runs": [{"evil": {"host": "db"}}]}`)
			d, err := e.Decide(context.Background(), in)
			if err != nil || strings.Contains(fmt.Sprint(d), secret) {
				t.Errorf("decision %+v, err %v", d, err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the schema server got %d requests, want 0", n)
	}
}

func TestLocalSchemaRefsStillWork(t *testing.T) {
	b := DefaultBundle()
	b.Data["sources"] = map[string]any{"csv": map[string]any{"builtin": false, "version": "1", "schema": map[string]any{
		"type": "object", "additionalProperties": false,
		"definitions": map[string]any{"host": map[string]any{"type": "string"}},
		"properties":  map[string]any{"host": map[string]any{"$ref": "#/definitions/host"}},
	}}}
	d := decide(t, loaded(t, b), runInput(t, `{"runs": [{"csv": {"host": 5}}]}`))
	if len(d.Denials) != 1 || d.Denials[0].Policy != "runs.source-config" || d.Denials[0].Field != "spec.runs[0].csv.host" {
		t.Fatalf("denials = %+v, want the local $ref applied", d.Denials)
	}
}

func TestRemoteSchemaRefInModuleRefused(t *testing.T) {
	_, fileRef, _, _ := refTargets(t)
	b := Bundle{Name: "acme", Modules: map[string]string{"runs/s.rego": `package weir.runs

deny contains "bad" if {
	[false, _] := json.match_schema(input.object.spec, {"$ref": "` + fileRef + `"})
}
`}}
	err := New().Validate(b)
	if err == nil || !strings.Contains(err.Error(), `acme/runs/s.rego:4:53: rego_compile_error: $ref is "`+fileRef+`"`) {
		t.Fatalf("Validate: %v, want the literal's $ref at file:line:col", err)
	}
}

// A schema built at evaluation (from input, or a string) is checked when
// the built-in is called: the decision fails and nothing is read or sent.
func TestRemoteSchemaRefAtEvaluationRefused(t *testing.T) {
	httpRef, fileRef, secret, hits := refTargets(t)
	b := Bundle{Name: "acme", Modules: map[string]string{"runs/s.rego": `package weir.runs

deny contains msg if {
	[ok, errs] := json.match_schema(input.object.spec, json.unmarshal(input.object.metadata.annotations.schema))
	not ok
	msg := sprintf("%v", [errs])
}

deny contains msg if {
	[ok, err] := json.verify_schema(input.object.metadata.annotations.verify)
	not ok
	msg := err
}
`}}
	e := loaded(t, b)
	for _, ref := range []string{httpRef, fileRef} {
		for _, annotation := range []string{"schema", "verify"} {
			in := runInput(t, `{"runs": []}`)
			schema := `{"type": "object", "properties": {"a": {"$ref": "` + ref + `"}}}`
			in.Object["metadata"] = map[string]any{"name": "x", "annotations": map[string]any{"schema": `{}`, "verify": `{}`, annotation: schema}}
			d, err := e.Decide(context.Background(), in)
			if err == nil {
				t.Errorf("%s %s: decided %+v, want an error", annotation, ref, d)
				continue
			}
			var de *DecisionError
			if !errors.As(err, &de) || !strings.Contains(de.Detail(), `/properties/a/$ref is "`+ref+`"`) {
				t.Errorf("%s %s: err = %v, want the $ref named in the detail", annotation, ref, err)
			}
			if strings.Contains(de.Detail(), secret) || strings.Contains(fmt.Sprint(d), secret) {
				t.Errorf("the file's content reached the decision: %v", de.Detail())
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the schema server got %d requests, want 0", n)
	}
}

func TestCheckSchemaRefs(t *testing.T) {
	doc := map[string]any{"items": []any{map[string]any{"$ref": "#/a"}, map[string]any{"$ref": "https://x/y"}},
		"properties": map[string]any{"a/b": map[string]any{"$ref": "file:///etc/passwd"}}}
	err := CheckSchemaRefs(`SourcePlugin "csv" status.configSchema`, doc)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`SourcePlugin "csv" status.configSchema: /items/1/$ref is "https://x/y"`, `/properties/a~1b/$ref is "file:///etc/passwd"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
	if err := CheckSchemaRefs("x", map[string]any{"$ref": "#", "definitions": map[string]any{}}); err != nil {
		t.Errorf("local refs refused: %v", err)
	}
}
