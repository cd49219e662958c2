package weir.workspaces

findings(s) := f if f := warn | deny with input as request(s)

with_spec(s) := object.union(good_spec, s)

test_warnings_by_default if {
	w := warn with input as request(with_spec({"image": "evil:1"}))
	policies(w) == {"workspaces.allowed-images"}
	count(deny) == 0 with input as request(with_spec({"image": "evil:1"}))
}

test_denials_when_data_says_so if {
	d := deny with input as request(with_spec({"image": "evil:1"})) with data.settings.workspaces.enforcement as "deny"
	policies(d) == {"workspaces.allowed-images"}
	count(warn) == 0 with input as request(with_spec({"image": "evil:1"})) with data.settings.workspaces.enforcement as "deny"
}

test_denials_at_reconcile if {
	inp := object.union(request(with_spec({"image": "evil:1"})), {"userInfo": reconciler})
	policies(deny) == {"workspaces.allowed-images"} with input as inp
}

test_image_not_allowed_message if {
	some v in findings(with_spec({"image": "evil:1"}))
	v.field == "spec.image"
	v.msg == "evil:1 is not allowed by template team; use one of uv, registry.example.com/lab:2, or leave image out for uv"
}

# Aliases count by what they resolve to, on both sides.
test_alias_allowed if {
	count(findings(with_spec({"image": "uv"}))) == 0
	count(findings(with_spec({"image": "jk8s-application-jupyter-uv:latest"}))) == 0
}

test_no_allowed_images_allows_any if {
	tpl := json.patch(team_template, [{"op": "replace", "path": "/spec/allowedImages", "value": []}])
	count(warn) == 0 with input as request_tpl(with_spec({"image": "any:1"}), tpl)
}

test_image_hint_without_default if {
	tpl := json.patch(team_template, [{"op": "remove", "path": "/spec/defaultImage"}])
	some v in warn with input as request_tpl(with_spec({"image": "evil:1"}), tpl)
	endswith(v.msg, "use one of uv, registry.example.com/lab:2")
}

test_resources_outside_bounds if {
	f := findings(with_spec({"resources": {
		"requests": {"cpu": "50m", "memory": "256Mi"},
		"limits": {"cpu": "2500m", "memory": "8Gi", "nvidia.com/gpu": 2, "ephemeral-storage": "1Ti"},
	}}))
	fields(f, "workspaces.resource-bounds") == {
		"spec.resources.requests.cpu",
		"spec.resources.limits.cpu",
		"spec.resources.limits.memory",
		`spec.resources.limits["nvidia.com/gpu"]`,
	}
	some low in f
	low.field == "spec.resources.requests.cpu"
	low.msg == "50m is below the minimum of template team; ask for at least 100m cpu"
	some high in f
	high.field == "spec.resources.limits.memory"
	high.msg == "8Gi is above the maximum of template team; ask for at most 4Gi memory"
}

test_resource_bounds_inclusive if {
	count(findings(with_spec({"resources": {"requests": {"cpu": "0.1", "memory": "256Mi"}, "limits": {"cpu": "2000m", "memory": "4096Mi"}}}))) == 0
}

test_inherited_value_named_in_message if {
	tpl := json.patch(team_template, [{"op": "replace", "path": "/spec/resourceBounds/cpu/max", "value": "500m"}])
	some v in warn with input as request_tpl({"templateRef": "team"}, tpl)
	v.msg == "1 (the template's default) is above the maximum of template team; ask for at most 500m cpu"
}

test_storage_outside_bounds if {
	some small in findings(with_spec({"storage": {"size": "500Mi"}}))
	small.policy == "workspaces.storage-bounds"
	small.field == "spec.storage.size"
	small.msg == "500Mi is below the minimum of template team; ask for at least 1Gi"
	some big in findings(with_spec({"storage": {"size": "11Gi"}}))
	big.msg == "11Gi is above the maximum of template team; ask for at most 10Gi"
	count(findings(with_spec({"storage": {"size": "10Gi"}}))) == 0
}

test_no_template_no_bounds if {
	count(findings({"image": "any:1", "resources": {"limits": {"cpu": "64"}}, "storage": {"size": "1Ti"}})) == 0
}
