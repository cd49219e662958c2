package weir.runs

# Each runs[] entry is checked against the config schema of the source it
# names. data.sources is set by Weir, not by bundles: one entry per source
# id it knows (built-in modules and Ready SourcePlugins), {"schema": <JSON
# Schema>, "builtin": bool}. Offline (`weir policy eval`) it is empty and
# these rules stay silent. A value holding a ${VAR} reference is expanded
# in the pod, so a type error on it is left to `weir ingest`.

import data.weir.lib.fields

default known_sources := {}

known_sources := data.sources

# A source Marmot's own CLI has but Weir has no module for yet (data:
# settings.runs.upstreamSources) is a warning, so manifests written for
# upstream still apply; anything else unknown is most likely a typo.
deny contains v if {
	some i, id in unknown_sources
	not id in settings.upstreamSources
	v := {
		"policy": "runs.known-source",
		"field": fields.path(["spec", "runs", i, id]),
		"msg": sprintf("unknown source %q; known sources: %s (a third-party source needs a Ready SourcePlugin)", [id, concat(", ", sort(object.keys(known_sources)))]),
	}
}

warn contains v if {
	some i, id in unknown_sources
	id in settings.upstreamSources
	v := {
		"policy": "runs.known-source",
		"field": fields.path(["spec", "runs", i, id]),
		"msg": sprintf("Weir has no %q source yet, so this Run's Jobs will fail; known sources: %s, or install one as a SourcePlugin", [id, concat(", ", sort(object.keys(known_sources)))]),
	}
}

# unknown_sources[i] is the id of runs[i] when Weir knows no such source.
unknown_sources[i] := id if {
	count(known_sources) > 0
	some i, entry in spec.runs
	is_object(entry)
	count(entry) == 1
	some id, _ in entry
	not known_sources[id]
}

deny contains v if {
	some i, entry in spec.runs
	is_object(entry)
	count(entry) == 1
	some id, config in entry
	is_object(config)
	schema := known_sources[id].schema
	[ok, errs] := json.match_schema(config, schema)
	not ok
	some e in errs
	at := error_path(e)
	not reference(config, at)
	v := {
		"policy": "runs.source-config",
		"field": fields.path(array.concat(["spec", "runs", i, id], at)),
		"msg": schema_message(e, id),
	}
}

# error_path is where a schema error is, as path segments under the
# source's config: the property named by "additional property" and
# "required" errors, else the error's own field.
error_path(e) := [name] if {
	e.type == "additional_property_not_allowed"
	name := regex.find_all_string_submatch_n(`^Additional property (.+) is not allowed$`, e.desc, 1)[0][1]
} else := array.concat(field_segments(e.field), [name]) if {
	e.type == "required"
	name := regex.find_all_string_submatch_n(`^(.+) is required$`, e.desc, 1)[0][1]
} else := field_segments(e.field)

field_segments(f) := [] if lower(f) == "(root)"

else := [seg | some s in split(f, "."); seg := segment_of(s)]

segment_of(s) := to_number(s) if regex.match(`^[0-9]+$`, s)

else := s

schema_message(e, id) := sprintf("not a setting of the %s source; check the spelling, or see its schema with %s", [id, schema_hint(id)]) if {
	e.type == "additional_property_not_allowed"
} else := sprintf("required by the %s source", [id]) if {
	e.type == "required"
} else := e.desc

# schema_hint says where a source's schema is printed: weir carries the
# built-ins' own; a SourcePlugin's is in its status.
schema_hint(id) := sprintf("`weir plugin describe %s`", [id]) if {
	known_sources[id].builtin == true
} else := sprintf("`kubectl get sourceplugins -o yaml` (status.configSchema of the one whose status.id is %s)", [id])

reference(config, at) if {
	count(at) > 0
	value := object.get(config, at, null)
	is_string(value)
	contains(value, "${")
}
