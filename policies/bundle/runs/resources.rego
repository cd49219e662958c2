package weir.runs

# Administrators cap what one Run may ask for (settings.runs.maxResources),
# so one pipeline cannot take a node. Requests are capped too: a request
# above the cap asks for as much.

import data.weir.lib.fields
import data.weir.lib.quantity

deny contains v if {
	some kind in ["limits", "requests"]
	some name, q in spec.resources[kind]
	ceiling := settings.maxResources[name]
	quantity.compare(q, ceiling) == 1
	v := {
		"policy": "runs.max-resources",
		"field": fields.path(["spec", "resources", kind, name]),
		"msg": sprintf("%v is more than the %v of %s a Run may ask for", [q, ceiling, name]),
	}
}

deny contains v if {
	some kind in ["limits", "requests"]
	some name, q in spec.resources[kind]
	not quantity.valid(q)
	v := {
		"policy": "runs.max-resources",
		"field": fields.path(["spec", "resources", kind, name]),
		"msg": sprintf("%v is not a quantity; write e.g. 500m or 2 for cpu, 512Mi or 2Gi for memory", [json.marshal(q)]),
	}
}
