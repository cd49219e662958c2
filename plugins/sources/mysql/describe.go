package mysql

import (
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
)

// ID is the source's name in pipeline.yaml, as upstream.
const ID = "mysql"

// ABI is the plugin ABI version this source is written for.
const ABI = 1

// Version is the source's version (set with -ldflags -X when built).
var Version = "0.1.0"

// Describe says what the source is: its id, version, ABI, config schema
// and the capabilities it needs (network: it dials the configured host).
func Describe() model.Description {
	return model.Description{
		ID:           ID,
		Version:      Version,
		ABI:          ABI,
		ConfigSchema: ConfigSchema(),
		Capabilities: []string{"network"},
	}
}

// ConfigSchema is the JSON Schema (draft 2020-12) of Config. host is
// marked "x-weir-endpoint" (the only host the source dials, on port) and
// password "x-weir-secret" (masked before the config leaves the host).
func ConfigSchema() map[string]any {
	boolean := func(def bool, desc string) map[string]any {
		return map[string]any{"type": "boolean", "default": def, "description": desc}
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "MySQL",
		"description":          "Discovers the tables and views of one MySQL or MariaDB database, with their columns and foreign keys.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"host", "user", "database"},
		"properties": map[string]any{
			"host": map[string]any{
				"type": "string", "minLength": 1,
				"description":     "MySQL server hostname or IP address.",
				"x-weir-endpoint": true,
			},
			"port": map[string]any{
				"type": "integer", "minimum": 0, "maximum": 65535, "default": 3306,
				"description": "MySQL server port (0 means 3306, as upstream).",
			},
			"user": map[string]any{
				"type": "string", "minLength": 1,
				"description": "Username for authentication.",
			},
			"password": map[string]any{
				"type":          "string",
				"description":   "Password for authentication.",
				"x-weir-secret": true,
			},
			"database": map[string]any{
				"type": "string", "minLength": 1,
				"description": "The database to discover (one per source entry).",
			},
			"tls": map[string]any{
				"type": []any{"string", "boolean"}, "enum": []any{TLSFalse, TLSTrue, TLSSkipVerify, TLSPreferred, "", true, false}, "default": TLSFalse,
				"description": "TLS mode: false, true (verify the certificate), skip-verify, preferred (TLS if the server offers it, unverified).",
			},
			"include_columns":          boolean(true, "Whether to include column information in the table schema."),
			"include_row_counts":       boolean(true, "Whether to add the estimated row count (row_count metadata)."),
			"discover_foreign_keys":    boolean(true, "Whether to discover foreign key relationships."),
			"database_qualified_names": boolean(false, "Name tables and views <database>.<name> instead of <name>, so same-named tables of different databases get distinct MRNs. Changes the MRNs."),
		},
	}
	props := schema["properties"].(map[string]any)
	for k, v := range configcheck.CommonSchema() {
		props[k] = v
	}
	return schema
}
