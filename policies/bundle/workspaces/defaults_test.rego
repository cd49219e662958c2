package weir.workspaces

patched(s) := p if p := patch with input as request(s)

spec_ops(ops) := {op.path: op.value | some op in ops; op.policy == "workspaces.defaults"}

# What settings.workspaces.defaultStorage adds besides the size.
weir_storage := {"mountPath": "/home/jovyan", "reclaimPolicy": "Retain"}

test_everything_inherited if {
	spec_ops(patched({"templateRef": "team"})) == {
		"/spec/image": "jk8s-application-jupyter-uv:latest",
		"/spec/resources": team_template.spec.defaultResources,
		"/spec/storage": object.union(weir_storage, {"size": "2Gi"}),
		"/spec/env": team_template.spec.environmentVariables,
		"/spec/ownershipType": "OwnerOnly",
		"/spec/desiredStatus": "Running",
	}
}

test_nothing_inherited_when_set if {
	spec_ops(patched(good_spec)) == {}
}

test_effective_is_spec_with_defaults if {
	e := effective with input as request({"templateRef": "team", "image": "uv", "storage": {"mountPath": "/data"}})
	e.image == "jk8s-application-jupyter-uv:latest"
	e.storage == {"mountPath": "/data", "size": "2Gi", "reclaimPolicy": "Retain"}
	e.resources.requests.cpu == "250m"
	e.templateRef == "team"
}

test_alias_resolved_without_template if {
	spec_ops(patched({"image": "uv", "desiredStatus": "Stopped"})) == {
		"/spec/image": "jk8s-application-jupyter-uv:latest",
		"/spec/ownershipType": "Public",
		"/spec/storage": object.union(weir_storage, {"size": "10Gi"}),
	}
	spec_ops(patched({"image": "x"})) with data.settings.workspaces.imageAliases as {"x": "registry.example.com/x:1"} == {
		"/spec/image": "registry.example.com/x:1",
		"/spec/ownershipType": "Public",
		"/spec/desiredStatus": "Running",
		"/spec/storage": object.union(weir_storage, {"size": "10Gi"}),
	}
}

# Upstream's samples leave image out without a template: they get uv.
test_default_image_without_template if {
	spec_ops(patched({"desiredStatus": "Running", "ownershipType": "Public", "storage": {"size": "1Gi", "mountPath": "/w", "reclaimPolicy": "Delete"}})) == {"/spec/image": "jk8s-application-jupyter-uv:latest"}
}

test_empty_resources_inherited if {
	ops := spec_ops(patched({"templateRef": "team", "resources": {"requests": {}}}))
	ops["/spec/resources"] == team_template.spec.defaultResources
}

# A Workspace's own requests are kept whole: the template's limits could
# fall below them.
test_own_requests_kept if {
	ops := spec_ops(patched({"templateRef": "team", "resources": {"requests": {"cpu": "2"}}}))
	not ops["/spec/resources"]
}

test_storage_size_and_class_inherited if {
	tpl := json.patch(team_template, [
		{"op": "add", "path": "/spec/primaryStorage/defaultStorageClassName", "value": "gold"},
		{"op": "add", "path": "/spec/primaryStorage/defaultMountPath", "value": "/data"},
		{"op": "add", "path": "/spec/primaryStorage/reclaimPolicy", "value": "Delete"},
	])
	ops := spec_ops(patch) with input as request_tpl({"templateRef": "team", "storage": {"mountPath": "/w"}}, tpl)
	ops["/spec/storage"] == {"mountPath": "/w", "size": "2Gi", "storageClassName": "gold", "reclaimPolicy": "Delete"}
	spec_ops(patched({"templateRef": "team", "storage": {"size": "3Gi"}}))["/spec/storage"].size == "3Gi"
}

test_env_merged_by_name if {
	ops := spec_ops(patched({"templateRef": "team", "env": [{"name": "STAGE", "value": "dev"}]}))
	ops["/spec/env"] == [{"name": "STAGE", "value": "dev"}, {"name": "TEAM", "value": "data"}]
}

test_ownership_default_from_data if {
	ops := spec_ops(patched({"image": "a:1"})) with data.settings.workspaces.defaultOwnershipType as "OwnerOnly"
	ops["/spec/ownershipType"] == "OwnerOnly"
}

test_spec_created_first if {
	inp := json.patch(request({}), [{"op": "remove", "path": "/object/spec"}])
	ops := {op.path | some op in patch with input as inp; op.policy == "workspaces.defaults"}
	"/spec" in ops
	"/spec/desiredStatus" in ops
}

test_unknown_template_inherits_nothing if {
	ops := spec_ops(patch) with input as without_template({"templateRef": "team"})
	ops == {"/spec/desiredStatus": "Running"}
}

# Weir's own defaults wait for a template that does not exist yet, so
# they are not written into the spec in its place.
test_defaults_wait_for_missing_template if {
	ops := spec_ops(patch) with input as without_template({"templateRef": "team"})
	not ops["/spec/image"]
	not ops["/spec/storage"]
	not ops["/spec/ownershipType"]
}

# A resolver that returned another template must not lend its defaults.
test_other_template_ignored if {
	ops := spec_ops(patched({"templateRef": "other"}))
	not ops["/spec/image"]
}
