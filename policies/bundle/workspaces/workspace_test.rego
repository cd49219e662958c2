package weir.workspaces

# Helpers shared by the tests of this package.

team_template := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "WorkspaceTemplate",
	"metadata": {"name": "team"},
	"spec": {
		"displayName": "Team notebook",
		"defaultImage": "uv",
		"allowedImages": ["uv", "registry.example.com/lab:2"],
		"defaultResources": {
			"requests": {"cpu": "250m", "memory": "512Mi"},
			"limits": {"cpu": "1", "memory": "1Gi"},
		},
		"resourceBounds": {
			"cpu": {"min": "100m", "max": "2"},
			"memory": {"min": "256Mi", "max": "4Gi"},
			"gpu": {"min": "0", "max": "1"},
		},
		"primaryStorage": {"defaultSize": "2Gi", "minSize": "1Gi", "maxSize": "10Gi"},
		"environmentVariables": [
			{"name": "TEAM", "value": "data"},
			{"name": "STAGE", "value": "prod"},
		],
		"defaultOwnershipType": "OwnerOnly",
	},
}

# request is a CREATE by alice of Workspace ws in namespace team-a with
# the given spec, the template resolved into related when it names one.
request(s) := {
	"kind": {"group": "workspace.jupyter.org", "version": "v1alpha1", "kind": "Workspace"},
	"operation": "CREATE",
	"userInfo": {"username": "alice", "groups": ["system:authenticated"]},
	"namespace": "team-a",
	"name": "ws",
	"object": object.union(stored_ws, {"spec": s}),
	"oldObject": null,
	"related": {"template": team_template},
}

# request_tpl is request(s) with tpl as the resolved template.
request_tpl(s, tpl) := json.patch(request(s), [{"op": "replace", "path": "/related", "value": {"template": tpl}}])

# without_template is request(s) when the template does not exist.
without_template(s) := json.patch(request(s), [{"op": "replace", "path": "/related", "value": {}}])

stored_ws := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "Workspace",
	"metadata": {"name": "ws", "namespace": "team-a"},
}

# update is alice's (or user's) UPDATE of old to new.
update(old, new, user) := {
	"kind": {"group": "workspace.jupyter.org", "version": "v1alpha1", "kind": "Workspace"},
	"operation": "UPDATE",
	"userInfo": user,
	"namespace": "team-a",
	"name": "ws",
	"object": new,
	"oldObject": old,
	"related": {"template": team_template},
}

alice := {"username": "alice", "groups": ["system:authenticated"]}

bob := {"username": "bob", "groups": ["system:authenticated"]}

reconciler := {"username": "system:weir:reconcile"}

# A Workspace with everything inside the template's bounds.
good_spec := {
	"templateRef": "team",
	"image": "registry.example.com/lab:2",
	"desiredStatus": "Running",
	"ownershipType": "Public",
	"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}},
	"storage": {"size": "5Gi", "storageClassName": "fast", "mountPath": "/home/jovyan/work", "reclaimPolicy": "Delete"},
	"env": [{"name": "TEAM", "value": "data"}, {"name": "STAGE", "value": "prod"}],
}

policies(set) := {v.policy | some v in set}

fields(set, policy) := {v.field | some v in set; v.policy == policy}

test_good_workspace_passes if {
	count(deny) == 0 with input as request(good_spec)
	count(warn) == 0 with input as request(good_spec)
}

test_every_finding_is_complete if {
	bad := object.union(good_spec, {
		"image": "evil:latest",
		"resources": {"requests": {"cpu": "50m", "memory": "1 GB"}},
		"storage": {"size": "100Gi"},
	})
	findings := deny | warn with input as request(bad)
	count(findings) == 4
	every v in findings {
		is_string(v.msg)
		is_string(v.field)
		startswith(v.policy, "workspaces.")
	}
}

test_other_kinds_untouched if {
	every kind in [{"kind": "WorkspaceShare"}, {"group": "runs.marmotdata.io"}] {
		inp := object.union(request({"image": "x y", "storage": {"size": "x"}}), {"kind": kind})
		count(deny | warn) == 0 with input as inp
		count(patch) == 0 with input as inp
	}
}

test_nothing_while_deleting if {
	old := object.union(stored_ws, {"spec": {"templateRef": "team", "image": "evil"}})
	inp := update(old, object.union(old, {"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}}), alice)
	count(deny | warn) == 0 with input as inp
	count(patch) == 0 with input as inp
}

test_admins_from_data if {
	admin with input as {"userInfo": {"username": "root", "groups": []}} with data.settings.workspaces.adminUsers as ["root"]
	admin with input as {"userInfo": {"username": "x", "groups": ["system:masters"]}}
	not admin with input as {"userInfo": bob}
}

# Administrators edit data.json; check its shape.
test_data_settings_are_valid if {
	settings.enforcement in {"warn", "deny"}
	settings.defaultOwnershipType in {"Public", "OwnerOnly"}
	every alias, image in settings.imageAliases {
		is_string(alias)
		contains(image, ":")
	}
}
