package weir.runs

# `kubectl annotate run <name> runs.marmotdata.io/trigger=true` runs a Run
# now; any other value does nothing, which a user would otherwise only
# notice by waiting. Warned when the value is set or changed, not on every
# later update of the Run (the controller's own writes included).

import data.weir.lib.admission
import data.weir.lib.fields

trigger_annotation := "runs.marmotdata.io/trigger"

warn contains v if {
	value := admission.reviewed.metadata.annotations[trigger_annotation]
	value != "true"
	not object.get(input, ["oldObject", "metadata", "annotations", trigger_annotation], null) == value
	v := {
		"policy": "runs.trigger",
		"field": fields.path(["metadata", "annotations", trigger_annotation]),
		"msg": sprintf("%q does not trigger a run, only \"true\" does: kubectl annotate run %s %s=true --overwrite", [value, admission.reviewed.metadata.name, trigger_annotation]),
	}
}
