package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// secretEnv holds values that must never show up in an error message.
var secretEnv = map[string]string{
	"PG_PASSWORD": "value-of-pg-password",
	"PG_USER":     "value-of-pg-user",
	"BROKER_A":    "value-of-broker-a",
	"HAS_REF":     "value-with-${PG_USER}-inside",
	"EMPTY":       "",
}

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadValid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want *Pipeline
	}{
		{
			name: "documented example",
			yaml: `
name: my-pipeline
runs:
  - postgresql:
      host: "db.example.com"
      port: 5432
      database: "production"
      user: "readonly"
      password: "${PG_PASSWORD}"
`,
			want: &Pipeline{Name: "my-pipeline", Runs: []SourceRun{{
				Source: "postgresql",
				Config: map[string]any{
					"host":     "db.example.com",
					"port":     json.Number("5432"),
					"database": "production",
					"user":     "readonly",
					"password": "value-of-pg-password",
				},
			}}},
		},
		{
			name: "expansion in nested maps and lists, escapes kept literal",
			yaml: `
name: p
runs:
  - kafka:
      brokers: ["${BROKER_A}:9092", "static:9092"]
      auth:
        sasl:
          user: "${PG_USER}"
          password: "pre-${PG_PASSWORD}-post"
      literal: "$${PG_PASSWORD}"
      dollar: "pa$$word$"
      empty: "${EMPTY}"
      not_reexpanded: "${HAS_REF}"
      tables: [{name: "${PG_USER}", tags: ["${PG_USER}"]}]
      count: 12345678901234567890
  - mysql: {}
`,
			want: &Pipeline{Name: "p", Runs: []SourceRun{
				{Source: "kafka", Config: map[string]any{
					"brokers": []any{"value-of-broker-a:9092", "static:9092"},
					"auth": map[string]any{"sasl": map[string]any{
						"user":     "value-of-pg-user",
						"password": "pre-value-of-pg-password-post",
					}},
					"literal":        "${PG_PASSWORD}",
					"dollar":         "pa$$word$",
					"empty":          "",
					"not_reexpanded": "value-with-${PG_USER}-inside",
					"tables": []any{map[string]any{
						"name": "value-of-pg-user",
						"tags": []any{"value-of-pg-user"},
					}},
					"count": json.Number("12345678901234567890"),
				}},
				{Source: "mysql", Config: map[string]any{}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(writeFile(t, tt.yaml), mapLookup(secretEnv))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error
	}{
		{
			name: "unset variable names the variable and the path",
			yaml: "name: p\nruns:\n  - postgresql:\n      user: ${PG_USER}\n      password: ${MISSING_PW}\n",
			want: []string{"runs[0].postgresql.password: environment variable MISSING_PW is not set; set it in the Run's env (valueFrom.secretKeyRef) or envFrom"},
		},
		{
			name: "unset variable inside a list",
			yaml: "name: p\nruns:\n  - kafka:\n      brokers: [ok, '${NOPE}']\n",
			want: []string{"runs[0].kafka.brokers[1]: environment variable NOPE is not set"},
		},
		{
			name: "entry with two keys",
			yaml: "name: p\nruns:\n  - mysql: {}\n  - postgresql: {}\n    mysql: {}\n",
			want: []string{"runs[1]: entry has 2 keys (mysql, postgresql); each entry must have exactly one key naming the source"},
		},
		{
			name: "entry that is not an object",
			yaml: "name: p\nruns:\n  - postgresql\n",
			want: []string{"runs[0]: must be an object with one key naming the source", "got a string"},
		},
		{
			name: "empty entry",
			yaml: "name: p\nruns:\n  - {}\n",
			want: []string{"runs[0]: entry is empty; each entry must have exactly one key naming the source"},
		},
		{
			name: "settings that are not an object",
			yaml: "name: p\nruns:\n  - postgresql:\n",
			want: []string{"runs[0].postgresql: settings must be an object", "got null"},
		},
		{
			name: "empty runs",
			yaml: "name: p\nruns: []\n",
			want: []string{"runs: at least one source is required"},
		},
		{
			name: "missing runs",
			yaml: "name: p\n",
			want: []string{"runs: at least one source is required"},
		},
		{
			name: "runs not a list",
			yaml: "name: p\nruns: {postgresql: {}}\n",
			want: []string{"runs: must be a list of sources, got an object"},
		},
		{
			name: "missing name",
			yaml: "runs:\n  - mysql: {}\n",
			want: []string{"name: required"},
		},
		{
			name: "name with a variable",
			yaml: "name: ${PG_USER}\nruns:\n  - mysql: {}\n",
			want: []string{"name: ${...} is not expanded"},
		},
		{
			name: "unknown top-level field",
			yaml: "name: p\nrun:\n  - mysql: {}\nruns:\n  - mysql: {}\n",
			want: []string{"run: unknown field; a pipeline file has only name, runs, plugins and sandbox"},
		},
		{
			name: "empty file",
			yaml: "# nothing\n",
			want: []string{"name: required", "runs: at least one source is required"},
		},
		{
			name: "top level is a list",
			yaml: "- mysql: {}\n",
			want: []string{"the file must be an object with name and runs, got a list"},
		},
		{
			name: "unterminated reference",
			yaml: "name: p\nruns:\n  - mysql: {password: 'ab${PG_PASSWORD'}\n",
			want: []string{"runs[0].mysql.password: unterminated ${"},
		},
		{
			name: "shell default syntax",
			yaml: "name: p\nruns:\n  - mysql: {password: '${PG_PASSWORD:-x}'}\n",
			want: []string{"runs[0].mysql.password: invalid reference ${...}"},
		},
		{
			name: "all errors are collected",
			yaml: "runs:\n  - a: {x: '${U1}'}\n    b: {}\n  - 7\n  - c: {pw: '${U2}', z: '${PG_PASSWORD}'}\n",
			want: []string{
				"name: required",
				"runs[0]: entry has 2 keys (a, b)",
				"runs[1]: must be an object",
				"runs[2].c.pw: environment variable U2 is not set",
			},
		},
		{
			name: "invalid YAML names the file",
			yaml: "name: p\nruns: [\n",
			want: []string{"pipeline.yaml: invalid YAML:"},
		},
		{
			name: "a source used twice",
			yaml: "name: p\nruns:\n  - postgresql: {host: a}\n  - mysql: {}\n  - postgresql: {host: b}\n",
			want: []string{"runs[2]: source postgresql is already used by runs[0]", "delete the other's assets"},
		},
		{
			name: "duplicate keys are rejected",
			yaml: "name: p\nruns:\n  - postgresql: {}\n    postgresql: {}\n",
			want: []string{"pipeline.yaml: invalid YAML:", `key "postgresql" already set`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.yaml)
			p, err := Load(path, mapLookup(secretEnv))
			if err == nil {
				t.Fatalf("Load succeeded with %#v; want an error", p)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") {
				t.Errorf("error does not start with the file path %q:\n%s", path, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for name, v := range secretEnv {
				if v != "" && strings.Contains(msg, v) {
					t.Errorf("error contains the value of %s:\n%s", name, msg)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	_, err := Load(path, mapLookup(nil))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load(missing) error = %v; want one naming %s", err, path)
	}
}

func TestLoadNilLookupUsesEnvironment(t *testing.T) {
	t.Setenv("WEIR_INGEST_TEST_VAR", "from-env")
	p, err := Load(writeFile(t, "name: p\nruns:\n  - mysql: {v: '${WEIR_INGEST_TEST_VAR}'}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Runs[0].Config["v"]; got != "from-env" {
		t.Errorf("v = %v; want from-env", got)
	}
}

// TestLoadKeepsTagReferences checks that ${key} in a source's tags is
// left for the per-asset metadata interpolation, as Marmot has it, while
// the rest of the config is expanded.
func TestLoadKeepsTagReferences(t *testing.T) {
	p, err := Load(writeFile(t, "name: p\nruns:\n  - postgresql:\n      user: '${PG_USER}'\n      tags: [postgres, 'db-${database}', '${owner.name}']\n"), mapLookup(secretEnv))
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Runs[0].Config
	if !reflect.DeepEqual(cfg["tags"], []any{"postgres", "db-${database}", "${owner.name}"}) || cfg["user"] != "value-of-pg-user" {
		t.Errorf("config = %v", cfg)
	}
}
