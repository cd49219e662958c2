package weir.runs_test

import data.weir.runs

pg_schema := {
	"type": "object",
	"additionalProperties": false,
	"required": ["host"],
	"properties": {
		"host": {"type": "string"},
		"port": {"type": "integer", "minimum": 1, "maximum": 65535},
		"tls": {"type": "object", "properties": {"mode": {"enum": ["disable", "verify-full"]}}},
		"tags": {"type": "array", "items": {"type": "string"}},
	},
}

known := {"postgresql": {"schema": pg_schema, "builtin": true}}

run_with(entries) := {"kind": {"kind": "Run"}, "operation": "CREATE", "object": {"spec": {"runs": entries}}}

denials(entries) := {[v.field, v.policy, v.msg] |
	some v in runs.deny with input as run_with(entries) with data.sources as known
	startswith(v.policy, "runs.source-config")
}

test_valid_config_passes if {
	count(denials([{"postgresql": {"host": "db", "port": 5432}}])) == 0
}

test_typo_named_with_its_path if {
	d := denials([{"postgresql": {"hots": "db.example.com", "host": "db"}}])
	d == {["spec.runs[0].postgresql.hots", "runs.source-config", "not a setting of the postgresql source; check the spelling, or see its schema with `weir plugin describe postgresql`"]}
}

test_typo_in_a_sourceplugin_points_to_its_status if {
	sources := {"csv": {"schema": {"type": "object", "additionalProperties": false}, "builtin": false}}
	some v in runs.deny with input as run_with([{"csv": {"pth": "/x"}}]) with data.sources as sources
	v.field == "spec.runs[0].csv.pth"
	v.msg == "not a setting of the csv source; check the spelling, or see its schema with `kubectl get sourceplugins -o yaml` (status.configSchema of the one whose status.id is csv)"
}

test_missing_required if {
	d := denials([{"postgresql": {"port": 5432}}])
	d == {["spec.runs[0].postgresql.host", "runs.source-config", "required by the postgresql source"]}
}

test_wrong_type_and_nested_enum if {
	d := denials([{"postgresql": {"host": "db", "port": "x", "tls": {"mode": "sometimes"}}}])
	count(d) == 2
	some a in d
	a[0] == "spec.runs[0].postgresql.port"
	some b in d
	b[0] == "spec.runs[0].postgresql.tls.mode"
}

test_reference_left_to_the_pod if {
	count(denials([{"postgresql": {"host": "db", "port": "${PG_PORT}"}}])) == 0
}

test_unknown_source_lists_known if {
	some v in runs.deny with input as run_with([{"postgressql": {"host": "db"}}]) with data.sources as known
	v.policy == "runs.known-source"
	v.field == "spec.runs[0].postgressql"
	contains(v.msg, "unknown source \"postgressql\"; known sources: postgresql")
}

test_silent_without_sources if {
	not any_source_denial
}

any_source_denial if {
	some v in runs.deny with input as run_with([{"mysql": {"hots": 1}}])
	startswith(v.policy, "runs.known-source")
}

test_array_items_by_index if {
	d := denials([{"postgresql": {"host": "db", "tags": ["ok", 7]}}])
	some a in d
	a[0] == "spec.runs[0].postgresql.tags[1]"
}

test_upstream_source_warns_not_denies if {
	r := run_with([{"s3": {"bucket": "b"}}])
	not any_known_source_denial(r)
	some w in runs.warn with input as r with data.sources as known
	w.policy == "runs.known-source"
	w.field == "spec.runs[0].s3"
	contains(w.msg, "Weir has no \"s3\" source yet")
}

any_known_source_denial(r) if {
	some v in runs.deny with input as r with data.sources as known
	v.policy == "runs.known-source"
}
