package weir.runs

# spec.runs has the shape of `marmot ingest` config: each entry names one
# source and holds its settings. The CRD can only say "objects"; this says
# the rest, before `weir ingest` fails on it inside a pod.

import data.weir.lib.fields

deny contains v if {
	is_object(spec)
	count(object.get(spec, "runs", [])) == 0
	v := {
		"policy": "runs.source-shape",
		"field": "spec.runs",
		"msg": "at least one source is required, e.g. runs: [{postgresql: {host: db.example.com}}]",
	}
}

deny contains v if {
	some i, entry in spec.runs
	not is_object(entry)
	v := {
		"policy": "runs.source-shape",
		"field": fields.path(["spec", "runs", i]),
		"msg": sprintf("must be an object with one key naming the source, e.g. {postgresql: {host: db.example.com}}; found %s", [type_name(entry)]),
	}
}

deny contains v if {
	some i, entry in spec.runs
	is_object(entry)
	count(entry) != 1
	v := {
		"policy": "runs.source-shape",
		"field": fields.path(["spec", "runs", i]),
		"msg": sprintf("must have exactly one key naming the source; found %d (%s): give each source its own entry", [count(entry), concat(", ", sort(object.keys(entry)))]),
	}
}

deny contains v if {
	some i, source
	config := sources[i][source]
	not is_object(config)
	v := {
		"policy": "runs.source-shape",
		"field": fields.path(["spec", "runs", i, source]),
		"msg": sprintf("the settings of source %q must be an object, e.g. %s: {host: ...}; found %s", [source, source, type_name(config)]),
	}
}

# sources[i][source] is the settings of the well-formed entry spec.runs[i].
sources[i][source] := config if {
	some i, entry in spec.runs
	is_object(entry)
	count(entry) == 1
	some source, config in entry
}
