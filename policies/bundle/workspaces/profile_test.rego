package weir.workspaces

gpu_profile := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "WorkspaceExecutionProfile",
	"metadata": {"name": "gpu-reader", "namespace": "team-a"},
	"spec": {"serviceAccountName": "reader"},
}

profiled_spec := object.union(good_spec, {"executionProfileRef": "gpu-reader"})

# with_profile is alice's CREATE of spec, with the profile, the team
# template (allowing tpl_allowed, none when []) and the webhook's answer
# to "may alice use it" (perms: {} when nobody asked).
with_profile(s, tpl_allowed, perms) := json.patch(request(s), [{"op": "replace", "path": "/related", "value": {
	"template": object.union(team_template, {"spec": {"allowedExecutionProfiles": tpl_allowed}}),
	"profile": gpu_profile,
	"permissions": perms,
}}])

may_use := {"useProfile": true}

may_not_use := {"useProfile": false}

test_profile_allowed if {
	count(deny) == 0 with input as with_profile(profiled_spec, [], may_use)
	count(warn) == 0 with input as with_profile(profiled_spec, [], may_use)
	count(deny | warn) == 0 with input as with_profile(profiled_spec, ["gpu-reader", "other"], may_use)
}

test_profile_use_refused if {
	deny == {{
		"policy": "workspaces.execution-profile-use",
		"field": "spec.executionProfileRef",
		"msg": concat("", [
			`user "alice" may not use WorkspaceExecutionProfile gpu-reader in namespace team-a: name one you may use, `,
			"or ask an admin for a Role with verb use on workspaceexecutionprofiles (resourceNames: [gpu-reader]): ",
			"kubectl create role use-profile-gpu-reader --verb=use --resource=workspaceexecutionprofiles.workspace.jupyter.org ",
			"--resource-name=gpu-reader -n team-a && kubectl create rolebinding use-profile-gpu-reader --role=use-profile-gpu-reader --user=alice -n team-a",
		]),
	}} with input as with_profile(profiled_spec, [], may_not_use)
}

# At reconcile, and offline, nobody asked: the use check is left out.
test_profile_use_not_checked_without_answer if {
	count(deny) == 0 with input as with_profile(profiled_spec, [], {})
	inp := object.union(with_profile(profiled_spec, [], may_not_use), {"userInfo": reconciler})
	count(deny) == 0 with input as inp
}

test_profile_use_checked_only_when_chosen if {
	old := object.union(stored_ws, {"spec": profiled_spec})
	stopped_ws := object.union(old, {"spec": {"desiredStatus": "Stopped"}})
	unchanged := json.patch(with_profile(profiled_spec, [], may_not_use), [
		{"op": "replace", "path": "/operation", "value": "UPDATE"},
		{"op": "replace", "path": "/object", "value": stopped_ws},
		{"op": "add", "path": "/oldObject", "value": old},
	])
	count(deny) == 0 with input as unchanged

	other := object.union(stored_ws, {"spec": object.union(good_spec, {"executionProfileRef": "other"})})
	changed := json.patch(unchanged, [{"op": "replace", "path": "/oldObject", "value": other}])
	"workspaces.execution-profile-use" in policies(deny) with input as changed

	# Dropping the profile needs no permission.
	dropped := json.patch(unchanged, [
		{"op": "replace", "path": "/object", "value": object.union(stored_ws, {"spec": good_spec})},
	])
	count(deny) == 0 with input as dropped
}

test_profile_missing_warns_at_admission if {
	inp := json.patch(with_profile(profiled_spec, [], may_use), [{"op": "remove", "path": "/related/profile"}])
	warn == {{
		"policy": "workspaces.execution-profile-not-found",
		"field": "spec.executionProfileRef",
		"msg": `WorkspaceExecutionProfile "gpu-reader" does not exist in namespace team-a; create it, or name one that does (kubectl get workspaceexecutionprofiles -n team-a); the Workspace starts once it exists`,
	}} with input as inp
	count(deny) == 0 with input as inp
}

test_profile_missing_denied_at_reconcile if {
	inp := json.patch(with_profile(profiled_spec, [], {}), [
		{"op": "remove", "path": "/related/profile"},
		{"op": "replace", "path": "/userInfo", "value": reconciler},
	])
	policies(deny) == {"workspaces.execution-profile-not-found"} with input as inp

	# Another profile in related is not the one named.
	other := json.patch(inp, [{"op": "add", "path": "/related/profile", "value": object.union(gpu_profile, {"metadata": {"name": "x"}})}])
	policies(deny) == {"workspaces.execution-profile-not-found"} with input as other
}

test_profile_outside_template_refused if {
	want := {
		"policy": "workspaces.allowed-execution-profiles",
		"field": "spec.executionProfileRef",
		"msg": "WorkspaceExecutionProfile gpu-reader is not allowed by template team; use one of cpu-only, readonly, or leave executionProfileRef out",
	}
	deny == {want} with input as with_profile(profiled_spec, ["cpu-only", "readonly"], may_use)

	# At reconcile too: no pod runs with it.
	inp := object.union(with_profile(profiled_spec, ["cpu-only"], {}), {"userInfo": reconciler})
	policies(deny) == {"workspaces.allowed-execution-profiles"} with input as inp
}

# A Workspace stored with a profile outside its template (while the
# webhook was down) can still be changed, e.g. stopped: a warning.
test_profile_outside_template_warns_on_unchanged_update if {
	old := object.union(stored_ws, {"spec": profiled_spec})
	inp := json.patch(with_profile(profiled_spec, ["cpu-only"], may_use), [
		{"op": "replace", "path": "/operation", "value": "UPDATE"},
		{"op": "replace", "path": "/object", "value": object.union(old, {"spec": {"desiredStatus": "Stopped"}})},
		{"op": "add", "path": "/oldObject", "value": old},
	])
	count(deny) == 0 with input as inp
	policies(warn) == {"workspaces.allowed-execution-profiles"} with input as inp
}

test_no_profile_passes_a_limiting_template if {
	count(deny | warn) == 0 with input as with_profile(good_spec, ["cpu-only"], {})
}

test_profile_rules_quiet_on_delete if {
	old := object.union(stored_ws, {"spec": profiled_spec})
	inp := json.patch(with_profile(profiled_spec, ["cpu-only"], may_not_use), [
		{"op": "replace", "path": "/operation", "value": "DELETE"},
		{"op": "replace", "path": "/object", "value": null},
		{"op": "add", "path": "/oldObject", "value": old},
		{"op": "remove", "path": "/related/profile"},
	])
	count(deny | warn) == 0 with input as inp
}

# Offline a manifest's request may carry no namespace: the object's is used.
test_profile_namespace_from_object if {
	inp := json.patch(with_profile(profiled_spec, [], may_use), [
		{"op": "remove", "path": "/related/profile"},
		{"op": "replace", "path": "/namespace", "value": ""},
	])
	some v in warn with input as inp
	contains(v.msg, "does not exist in namespace team-a;")
}
