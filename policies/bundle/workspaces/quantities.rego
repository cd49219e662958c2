package weir.workspaces

# A resource or storage size that is not a quantity is refused whatever
# the enforcement: the API server would refuse it anyway, with a regular
# expression for a message; this says the same in one sentence with an
# example.

import data.weir.lib.fields
import data.weir.lib.quantity

deny contains v if {
	some kind in ["requests", "limits"]
	some name, q in object.get(spec, ["resources", kind], {})
	not quantity.valid(q)
	v := {
		"policy": "workspaces.quantity",
		"field": fields.path(["spec", "resources", kind, name]),
		"msg": sprintf("%s is not a quantity; write e.g. %s", [json.marshal(q), example(name)]),
	}
}

deny contains v if {
	q := storage.size
	not quantity.valid(q)
	v := {
		"policy": "workspaces.quantity",
		"field": "spec.storage.size",
		"msg": sprintf("%s is not a quantity; write e.g. 10Gi or 500Mi", [json.marshal(q)]),
	}
}

example(name) := object.get(
	{"cpu": "500m or 2", "memory": "512Mi or 2Gi", "nvidia.com/gpu": "1"},
	name, "1, 500m or 2Gi",
)
