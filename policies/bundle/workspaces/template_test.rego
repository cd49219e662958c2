package weir.workspaces

template_create(tpl) := {
	"kind": {"group": "workspace.jupyter.org", "version": "v1alpha1", "kind": "WorkspaceTemplate"},
	"operation": "CREATE",
	"userInfo": {"username": "admin", "groups": ["system:masters"]},
	"namespace": "",
	"name": tpl.metadata.name,
	"object": tpl,
	"oldObject": null,
	"related": {},
}

broken(ops) := template_create(json.patch(team_template, ops))

test_consistent_template_passes if {
	count(deny | warn) == 0 with input as template_create(team_template)
	count(patch) == 0 with input as template_create(team_template)
}

test_default_image_must_be_allowed if {
	some v in deny with input as broken([{"op": "replace", "path": "/spec/defaultImage", "value": "other:1"}])
	v.field == "spec.defaultImage"
	v.msg == "other:1 is not one of allowedImages (uv, registry.example.com/lab:2); add it there or pick one of them"
}

test_bounds_min_above_max if {
	some v in deny with input as broken([{"op": "replace", "path": "/spec/resourceBounds/memory", "value": {"min": "2Gi", "max": "1Gi"}}])
	v.field == "spec.resourceBounds.memory"
	v.msg == "min 2Gi is above max 1Gi; swap them"
}

test_default_resources_within_bounds if {
	d := deny with input as broken([{"op": "replace", "path": "/spec/defaultResources/limits/cpu", "value": "3"}])
	fields(d, "workspaces.template-consistency") == {"spec.defaultResources.limits.cpu"}
	some v in d
	v.msg == "3 is outside the template's own resourceBounds (100m to 2); pick a default within them"
	max_only := broken([{"op": "replace", "path": "/spec/resourceBounds/cpu", "value": {"max": "500m"}}])
	some w in deny with input as max_only
	w.msg == "1 is outside the template's own resourceBounds (any to 500m); pick a default within them"
	count(deny) == 0 with input as broken([{"op": "replace", "path": "/spec/resourceBounds/cpu", "value": {"max": "1"}}])
}

test_storage_consistent if {
	d := deny with input as broken([{"op": "replace", "path": "/spec/primaryStorage", "value": {"defaultSize": "20Gi", "minSize": "5Gi", "maxSize": "1Gi"}}])
	fields(d, "workspaces.template-consistency") == {"spec.primaryStorage", "spec.primaryStorage.defaultSize"}
	some v in d
	v.field == "spec.primaryStorage"
	v.msg == "minSize 5Gi is above maxSize 1Gi; swap them"
	count(deny) == 0 with input as broken([{"op": "replace", "path": "/spec/primaryStorage", "value": {"defaultSize": "1Ti"}}])
	some w in deny with input as broken([{"op": "replace", "path": "/spec/primaryStorage", "value": {"defaultSize": "1Ti", "maxSize": "1Gi"}}])
	w.msg == "1Ti is outside minSize and maxSize (any to 1Gi); pick a default within them"
}

test_template_checks_skip_workspaces if {
	inp := json.patch(broken([{"op": "replace", "path": "/spec/defaultImage", "value": "other:1"}]), [{"op": "replace", "path": "/kind/kind", "value": "WorkspaceShare"}])
	count(deny) == 0 with input as inp
}
