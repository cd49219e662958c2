package postgresql

import (
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
)

// ID is the source's name in pipeline.yaml, as upstream.
const ID = "postgresql"

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
		"title":                "PostgreSQL",
		"description":          "Discovers the databases, tables, views and materialized views of a PostgreSQL server, with their columns and foreign keys.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"host", "user"},
		"properties": map[string]any{
			"host": map[string]any{
				"type": "string", "minLength": 1,
				"description":     "PostgreSQL server hostname or IP address.",
				"x-weir-endpoint": true,
			},
			"port": map[string]any{
				"type": "integer", "minimum": 1, "maximum": 65535, "default": 5432,
				"description": "PostgreSQL server port.",
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
			"ssl_mode": map[string]any{
				"type": "string", "enum": []any{SSLDisable, SSLRequire, SSLVerifyCA, SSLVerifyFull}, "default": SSLDisable,
				"description": "SSL mode (disable, require, verify-ca, verify-full).",
			},
			"ssl_root_cert": map[string]any{
				"type":        "string",
				"description": "PEM-encoded CA certificates to verify the server with (verify-ca, verify-full, and require as in libpq). Default: the system's roots.",
			},
			"database": map[string]any{
				"type":        "string",
				"description": "Accepted for compatibility with upstream manifests, which ignore it too: every database the user may connect to is discovered (narrow with filter).",
			},
			"include_databases":        boolean(true, "Accepted for compatibility; databases are always discovered."),
			"include_columns":          boolean(true, "Whether to include column information in the table schema."),
			"enable_metrics":           boolean(true, "Whether to include table metrics (row_count metadata and statistics)."),
			"discover_foreign_keys":    boolean(true, "Whether to discover foreign key relationships."),
			"exclude_system_schemas":   boolean(true, "Whether to exclude system schemas (pg_*)."),
			"schema_qualified_names":   boolean(false, "Name tables and views <schema>.<name> instead of <name>, for databases where bare names collide. Changes the MRNs."),
			"database_qualified_names": boolean(false, "Name tables and views <database>.<schema>.<name>, for servers where names collide across databases. Changes the MRNs."),
		},
	}
	props := schema["properties"].(map[string]any)
	for k, v := range configcheck.CommonSchema() {
		props[k] = v
	}
	return schema
}
