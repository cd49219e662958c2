package weir.workspaces

# A WorkspaceTemplate must agree with itself: its defaults within its own
# bounds, each min no more than its max. Its spec is immutable, so a
# template that contradicts itself could never be fixed, only replaced,
# and every Workspace that takes its defaults would be invalid: these are
# denials whatever the enforcement.

import data.weir.lib.admission
import data.weir.lib.fields
import data.weir.lib.quantity

template_request if {
	input.kind.group == "workspace.jupyter.org"
	input.kind.kind == "WorkspaceTemplate"
}

own_template := object.get(admission.reviewed, "spec", {}) if template_request

deny contains v if {
	allowed := object.get(own_template, "allowedImages", [])
	count(allowed) > 0
	image := own_template.defaultImage
	not image_allowed(resolve(image), allowed)
	v := {
		"policy": "workspaces.template-consistency",
		"field": "spec.defaultImage",
		"msg": sprintf("%s is not one of allowedImages (%s); add it there or pick one of them", [image, concat(", ", allowed)]),
	}
}

deny contains v if {
	some name, b in own_template.resourceBounds
	quantity.compare(b.min, b.max) == 1
	v := {
		"policy": "workspaces.template-consistency",
		"field": fields.path(["spec", "resourceBounds", name]),
		"msg": sprintf("min %v is above max %v; swap them", [b.min, b.max]),
	}
}

deny contains v if {
	some kind in ["requests", "limits"]
	some name, q in object.get(own_template, ["defaultResources", kind], {})
	b := own_template.resourceBounds[bounded[name]]
	not within(q, object.get(b, "min", q), object.get(b, "max", q))
	v := {
		"policy": "workspaces.template-consistency",
		"field": fields.path(["spec", "defaultResources", kind, name]),
		"msg": sprintf("%v is outside the template's own resourceBounds (%v to %v); pick a default within them", [q, object.get(b, "min", "any"), object.get(b, "max", "any")]),
	}
}

deny contains v if {
	s := own_template.primaryStorage
	quantity.compare(s.minSize, s.maxSize) == 1
	v := {
		"policy": "workspaces.template-consistency",
		"field": "spec.primaryStorage",
		"msg": sprintf("minSize %v is above maxSize %v; swap them", [s.minSize, s.maxSize]),
	}
}

deny contains v if {
	s := own_template.primaryStorage
	not within(s.defaultSize, object.get(s, "minSize", s.defaultSize), object.get(s, "maxSize", s.defaultSize))
	v := {
		"policy": "workspaces.template-consistency",
		"field": "spec.primaryStorage.defaultSize",
		"msg": sprintf("%v is outside minSize and maxSize (%v to %v); pick a default within them", [s.defaultSize, object.get(s, "minSize", "any"), object.get(s, "maxSize", "any")]),
	}
}

# within: min <= q <= max.
within(q, min, max) if {
	not quantity.compare(q, min) == -1
	not quantity.compare(q, max) == 1
}
