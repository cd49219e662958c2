package mysql

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateDefaults(t *testing.T) {
	cfg, err := Validate(json.RawMessage(`{"host": "db", "user": "reader", "database": "shop"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults
	want.Host, want.User, want.Database = "db", "reader", "shop"
	if cfg.Host != want.Host || cfg.Port != 3306 || cfg.TLS != TLSFalse || !cfg.IncludeColumns ||
		!cfg.IncludeRowCounts || !cfg.DiscoverForeignKeys || cfg.DatabaseQualifiedNames {
		t.Errorf("Validate = %+v, want the declared defaults", cfg)
	}
}

func TestValidateCoercions(t *testing.T) {
	cfg, err := Validate(json.RawMessage(`{"host": "db", "user": "u", "database": "d", "port": "3307", "tls": true,
		"include_row_counts": "false", "discover_foreign_keys": false, "password": "p@ss:word"}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 3307 || cfg.TLS != TLSTrue || cfg.IncludeRowCounts || cfg.DiscoverForeignKeys || cfg.Password != "p@ss:word" {
		t.Errorf("Validate = %+v", cfg)
	}
	cfg, err = Validate(json.RawMessage(`{"host": "db", "user": "u", "database": "d", "port": 0, "tls": ""}`))
	if err != nil || cfg.Port != 3306 || cfg.TLS != TLSFalse {
		t.Errorf("port 0 and tls \"\" = %+v, %v; want 3306 and false, as upstream", cfg, err)
	}
}

func TestValidateRefusals(t *testing.T) {
	for _, c := range []struct{ config, want string }{
		{`{}`, "host: required"},
		{`{}`, "user: required"},
		{`{}`, "database: required"},
		{`[1]`, "config: must be an object"},
		{`{"host": "db", "user": "u", "database": "d", "port": 70000}`, "port: must be between 1 and 65535"},
		{`{"host": "db", "user": "u", "database": "d", "port": "abc"}`, "port: must be an integer"},
		{`{"host": "db", "user": "u", "database": "d", "tls": "required"}`, "tls: must be one of false, true, skip-verify, preferred"},
		{`{"host": "db", "user": "u", "database": "d", "tls": 1}`, "tls: must be one of"},
		{`{"host": "mysql://db", "user": "u", "database": "d"}`, "host: must be a host name or address, not a connection URL"},
		{`{"host": "db", "user": "a:b", "database": "d"}`, "user: must not contain ':'"},
		{`{"host": "db", "user": "u", "database": "d", "discover_foreign_key": true}`, "discover_foreign_key: unknown field"},
		{`{"host": "db", "user": "u", "database": "d", "include_columns": "yes"}`, "include_columns: must be true or false"},
		{`{"host": "db", "user": "u", "database": "d", "tags": [1]}`, "tags[0]: must be a string"},
		{`{"host": "db", "user": "u", "database": "d", "filter": {"include": ["("]}}`, "filter.include[0]: invalid regular expression"},
	} {
		_, err := Validate(json.RawMessage(c.config))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s) = %v, want an error containing %q", c.config, err, c.want)
		}
	}
}

// The password never appears in errors.
func TestValidateDoesNotEchoValues(t *testing.T) {
	_, err := Validate(json.RawMessage(`{"host": "db", "user": "u", "database": "d", "password": 12345678, "port": "s3cr3t"}`))
	if err == nil || strings.Contains(err.Error(), "12345678") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Validate = %v, want an error without the values", err)
	}
}

func TestDescribe(t *testing.T) {
	d := Describe()
	if d.ID != "mysql" || d.ABI != ABI || len(d.Capabilities) != 1 || d.Capabilities[0] != "network" {
		t.Errorf("Describe = %+v", d)
	}
	props := d.ConfigSchema["properties"].(map[string]any)
	for _, k := range fieldOrder {
		if _, ok := props[k]; !ok {
			t.Errorf("config schema lacks %s", k)
		}
	}
	if len(props) != len(fieldOrder) {
		t.Errorf("config schema has %d properties, Validate takes %d", len(props), len(fieldOrder))
	}
	if props["host"].(map[string]any)["x-weir-endpoint"] != true || props["password"].(map[string]any)["x-weir-secret"] != true {
		t.Error("host must be the endpoint and password the secret")
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}
