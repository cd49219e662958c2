package postgresql

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

func TestValidateDefaults(t *testing.T) {
	cfg, err := Validate(json.RawMessage(`{"host": "db.example.com", "user": "reader", "password": "pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults
	want.Host, want.User, want.Password = "db.example.com", "reader", "pw"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Validate applied\n%+v\nwant the declared defaults\n%+v", cfg, want)
	}
	if !cfg.IncludeColumns || !cfg.EnableMetrics || !cfg.DiscoverForeignKeys || !cfg.ExcludeSystemSchemas || !cfg.IncludeDatabases ||
		cfg.Port != 5432 || cfg.SSLMode != "disable" || cfg.SchemaQualifiedNames || cfg.DatabaseQualifiedNames {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestValidateValues(t *testing.T) {
	cfg, err := Validate(json.RawMessage(`{
		"host": " db ", "port": "6543", "user": "u", "ssl_mode": "verify-full",
		"include_databases": false, "include_columns": "false", "enable_metrics": false,
		"discover_foreign_keys": null, "exclude_system_schemas": false,
		"schema_qualified_names": true, "database_qualified_names": "TRUE",
		"tags": ["a", "db-${database}"],
		"external_links": [{"name": "Runbook", "url": "https://x", "icon": "book"}],
		"filter": {"include": ["^shop$"], "exclude": []}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Host: "db", Port: 6543, User: "u", SSLMode: "verify-full",
		DiscoverForeignKeys:  true, // null counts as omitted
		SchemaQualifiedNames: true, DatabaseQualifiedNames: true,
		Tags:          []string{"a", "db-${database}"},
		ExternalLinks: []model.ExternalLink{{Name: "Runbook", URL: "https://x", Icon: "book"}},
		Filter:        &Filter{Include: []string{"^shop$"}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got\n%+v\nwant\n%+v", cfg, want)
	}
	// An empty ssl_mode is the default, as upstream.
	if cfg, err := Validate(json.RawMessage(`{"host": "h", "user": "u", "ssl_mode": ""}`)); err != nil || cfg.SSLMode != "disable" {
		t.Errorf("empty ssl_mode: %v %q", err, cfg.SSLMode)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		config string
		want   []string // one line each, in this order
	}{
		{`{}`, []string{"host: required", "user: required"}},
		{`null`, []string{"host: required", "user: required"}},
		{`[]`, []string{"config: must be an object"}},
		{`{"hots": "db", "user": "u"}`, []string{"hots: unknown field", "host: required"}},
		{`{"host": "db", "user": "u", "port": 0}`, []string{"port: must be between 1 and 65535"}},
		{`{"host": "db", "user": "u", "port": 70000}`, []string{"port: must be between 1 and 65535"}},
		{`{"host": "db", "user": "u", "port": 5432.5}`, []string{`port: must be an integer, for example 5432`}},
		{`{"host": "db", "user": "u", "port": "${PORT}"}`, []string{`port: must be an integer, for example 5432; got a string that is not one (a ${VAR} left unexpanded?)`}},
		{`{"host": "db", "user": "u", "port": true}`, []string{"port: must be an integer, got a boolean"}},
		{`{"host": 5, "user": ""}`, []string{"host: must be a string, got a number", "host: required", "user: required"}},
		{`{"host": "a b", "user": "u"}`, []string{"host: must be a host name or address"}},
		{`{"host": "db", "user": "u", "ssl_mode": "prefer"}`, []string{`ssl_mode: must be one of disable, require, verify-ca, verify-full`}},
		{`{"host": "db", "user": "u", "ssl_root_cert": "not pem"}`, []string{"ssl_root_cert: must be PEM text"}},
		{`{"host": "db", "user": "u", "include_columns": "yes"}`, []string{`include_columns: must be true or false`}},
		{`{"host": "db", "user": "u", "enable_metrics": 1}`, []string{"enable_metrics: must be true or false, got a number"}},
		{`{"host": "db", "user": "u", "tags": "x"}`, []string{"tags: must be a list, got a string"}},
		{`{"host": "db", "user": "u", "tags": ["x", 1]}`, []string{"tags[1]: must be a string, got a number"}},
		{`{"host": "db", "user": "u", "external_links": [{"name": "n"}, "x", {"name": "n", "url": "u", "color": "red"}]}`,
			[]string{"external_links[0].url: required", "external_links[1]: must be an object", "external_links[2].color: unknown field"}},
		{`{"host": "db", "user": "u", "filter": {"include": ["("], "exlude": []}}`,
			[]string{"filter.exlude: unknown field", "filter.include[0]: invalid regular expression: missing closing )"}},
		{`{"host": "postgres://u:pw@db:5432/shop", "user": "u"}`,
			[]string{"host: must be a host name or address, not a connection URL (no :// or @): put the user, password and database in the user, password and database keys"}},
		{`{"host": "u:pw@db", "user": "u"}`, []string{"host: must be a host name or address, not a connection URL"}},
	} {
		_, err := Validate(json.RawMessage(c.config))
		if err == nil {
			t.Errorf("%s: no error, want %q", c.config, c.want)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(c.want) {
			t.Errorf("%s: errors\n%s\nwant %d: %q", c.config, err, len(c.want), c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%s: error %d is %q, want it to start with %q", c.config, i, lines[i], w)
			}
		}
	}
}

// The secret is never part of an error.
func TestValidateErrorsHideValues(t *testing.T) {
	_, err := Validate(json.RawMessage(`{"host": "db", "user": "u", "password": 12345678}`))
	if err == nil || strings.Contains(err.Error(), "12345678") || !strings.HasPrefix(err.Error(), "password: must be a string") {
		t.Errorf("got %v", err)
	}
}

// No error repeats a config value, only the key and what it takes: a
// value may be a secret pasted into the wrong key (a DSN in host, a
// password in ssl_mode).
func TestValidateErrorsNeverEchoValues(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	for _, config := range []string{
		`{"host": "postgres://reader:` + secret + `@db:5432/shop", "user": "u"}`,
		`{"host": "reader:` + secret + `@db", "user": "u"}`,
		`{"host": "db", "user": "u", "ssl_mode": "` + secret + `"}`,
		`{"host": "db", "user": "u", "port": "` + secret + `"}`,
		`{"host": "db", "user": "u", "port": 99` + "1234567" + `}`,
		`{"host": "db", "user": "u", "include_columns": "` + secret + `"}`,
		`{"host": "db", "user": "u", "filter": {"include": ["(` + secret + `"]}}`,
	} {
		_, err := Validate(json.RawMessage(config))
		if err == nil {
			t.Errorf("%s: no error", config)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "991234567") {
			t.Errorf("%s: the error repeats the value: %v", config, err)
		}
	}
	bad := Defaults
	bad.Host, bad.User, bad.SSLMode, bad.Port = "db", "u", secret, 991234567
	if err := bad.check(); err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "991234567") {
		t.Errorf("check() = %v; want errors naming ssl_mode and port without their values", err)
	}
	if _, err := tlsConfig(bad); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("tlsConfig() = %v; want an error naming ssl_mode without its value", err)
	}
}

func TestDescribe(t *testing.T) {
	d := Describe()
	if d.ID != "postgresql" || d.ABI != 1 || d.Version == "" || !reflect.DeepEqual(d.Capabilities, []string{"network"}) {
		t.Errorf("description %+v", d)
	}
	// The schema survives JSON, names every key Validate takes and marks
	// the endpoint and the secret.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		ConfigSchema struct {
			Type                 string                    `json:"type"`
			AdditionalProperties bool                      `json:"additionalProperties"`
			Required             []string                  `json:"required"`
			Properties           map[string]map[string]any `json:"properties"`
		} `json:"config_schema"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := back.ConfigSchema
	if s.Type != "object" || s.AdditionalProperties || !reflect.DeepEqual(s.Required, []string{"host", "user"}) {
		t.Errorf("schema %+v", s)
	}
	if len(s.Properties) != len(fieldOrder) {
		t.Errorf("schema has %d properties, Validate takes %d", len(s.Properties), len(fieldOrder))
	}
	for _, k := range fieldOrder {
		p, ok := s.Properties[k]
		if !ok {
			t.Errorf("schema lacks %s", k)
			continue
		}
		if (p["x-weir-endpoint"] == true) != (k == "host") {
			t.Errorf("%s: x-weir-endpoint = %v", k, p["x-weir-endpoint"])
		}
		if (p["x-weir-secret"] == true) != (k == "password") {
			t.Errorf("%s: x-weir-secret = %v", k, p["x-weir-secret"])
		}
	}
	// The declared defaults are the ones Validate applies.
	defaults, _ := json.Marshal(Defaults)
	var dm map[string]any
	_ = json.Unmarshal(defaults, &dm)
	for k, p := range s.Properties {
		if def, ok := p["default"]; ok && !reflect.DeepEqual(def, dm[k]) {
			t.Errorf("%s: schema default %v, Validate applies %v", k, def, dm[k])
		}
	}
}
