package weir.workspaces

label_ops(inp) := {op | some op in patch with input as inp; op.policy == "workspaces.template-label"}

test_template_label_added if {
	label_ops(request(good_spec)) == {{
		"op": "add",
		"path": "/metadata/labels",
		"value": {"workspace.jupyter.org/template": "team"},
		"policy": "workspaces.template-label",
	}}
	inp := json.patch(request(good_spec), [{"op": "add", "path": "/object/metadata/labels", "value": {"app": "x"}}])
	label_ops(inp) == {{
		"op": "add",
		"path": "/metadata/labels/workspace.jupyter.org~1template",
		"value": "team",
		"policy": "workspaces.template-label",
	}}
}

test_template_label_corrected if {
	inp := json.patch(request(good_spec), [{"op": "add", "path": "/object/metadata/labels", "value": {"workspace.jupyter.org/template": "other"}}])
	label_ops(inp) == {{
		"op": "add",
		"path": "/metadata/labels/workspace.jupyter.org~1template",
		"value": "team",
		"policy": "workspaces.template-label",
	}}
	ok := json.patch(request(good_spec), [{"op": "add", "path": "/object/metadata/labels", "value": {"workspace.jupyter.org/template": "team"}}])
	count(label_ops(ok)) == 0
}

test_template_label_removed_without_template if {
	inp := json.patch(request({"image": "a:1"}), [{"op": "add", "path": "/object/metadata/labels", "value": {"workspace.jupyter.org/template": "team"}}])
	label_ops(inp) == {{
		"op": "remove",
		"path": "/metadata/labels/workspace.jupyter.org~1template",
		"policy": "workspaces.template-label",
	}}
	count(label_ops(request({"image": "a:1"}))) == 0
}
