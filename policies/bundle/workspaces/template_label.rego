package weir.workspaces

# A Workspace carries the label workspace.jupyter.org/template=<templateRef>
# (as upstream's do), by which the controller finds a template's Workspaces
# for its deletion protection. The patch keeps it equal to spec.templateRef,
# which is immutable, and removes it from a Workspace without one, so no
# label can hold a template it does not use, or free one it does.

import data.weir.lib.fields

template_label := "workspace.jupyter.org/template"

labels := l if {
	l := workspace.metadata.labels
	is_object(l)
} else := {}

patch contains op if {
	ref := object.get(spec, "templateRef", "")
	ref != ""
	labels[template_label] != ref
	op := {"op": "add", "path": fields.pointer(["metadata", "labels", template_label]), "value": ref, "policy": "workspaces.template-label"}
}

patch contains op if {
	ref := object.get(spec, "templateRef", "")
	ref != ""
	not labels[template_label]
	op := label_op(template_label, ref)
}

patch contains op if {
	object.get(spec, "templateRef", "") == ""
	labels[template_label]
	op := {"op": "remove", "path": fields.pointer(["metadata", "labels", template_label]), "policy": "workspaces.template-label"}
}

label_op(key, value) := {"op": "add", "path": fields.pointer(["metadata", "labels", key]), "value": value, "policy": "workspaces.template-label"} if {
	is_object(workspace.metadata.labels)
} else := {"op": "add", "path": "/metadata/labels", "value": {key: value}, "policy": "workspaces.template-label"}
