package weir.workspaces

# alice's Workspace ws in team-a, as the cache returns it.
shared_ws := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "Workspace",
	"metadata": {
		"name": "ws",
		"namespace": "team-a",
		"uid": "uid-1",
		"annotations": {"workspace.jupyter.org/created-by": "alice"},
	},
	"spec": {"ownershipType": "OwnerOnly"},
}

share_of(subjects) := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "WorkspaceShare",
	"metadata": {"name": "with-bob", "namespace": "team-a"},
	"spec": {"workspaceName": "ws", "subjects": subjects},
}

bob_subject := {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}

# share_request_by is user's CREATE of share, the Workspace and the
# webhook's answer to "may user share it" in related.
share_request_by(user, share, may) := {
	"kind": {"group": "workspace.jupyter.org", "version": "v1alpha1", "kind": "WorkspaceShare"},
	"operation": "CREATE",
	"userInfo": user,
	"namespace": "team-a",
	"name": share.metadata.name,
	"object": share,
	"oldObject": null,
	"related": {"workspace": shared_ws, "permissions": {"share": may}},
}

good_share := share_of([bob_subject])

carol := {"username": "carol", "groups": ["system:authenticated"]}

share_update(old, new, user, may) := object.union(share_request_by(user, new, may), {"operation": "UPDATE", "oldObject": old})

test_owner_shares if {
	count(deny) == 0 with input as share_request_by(alice, good_share, false)
	count(warn) == 0 with input as share_request_by(alice, good_share, false)
}

test_share_refused_without_rbac if {
	some v in deny with input as share_request_by(carol, good_share, false)
	v.policy == "workspaces.share-permission"
	v.msg == concat("", [
		`user "carol" may not share Workspace ws: only its owner (alice), cluster admins, and users RBAC allows the verb share on it may; `,
		"ask the owner to share it, or an admin for a Role with verb share on workspaces (resourceNames: [ws]): ",
		"kubectl create role share-ws --verb=share --resource=workspaces.workspace.jupyter.org --resource-name=ws -n team-a ",
		"&& kubectl create rolebinding share-ws --role=share-ws --user=carol -n team-a",
	])
}

test_share_allowed_by_rbac_or_admin if {
	count(deny) == 0 with input as share_request_by(carol, good_share, true)
	count(deny) == 0 with input as share_request_by({"username": "root", "groups": ["system:masters"]}, good_share, false)
}

test_share_hint_for_service_accounts if {
	some v in deny with input as share_request_by({"username": "system:serviceaccount:ci:bot"}, good_share, false)
	endswith(v.msg, "--role=share-ws --serviceaccount=ci:bot -n team-a")
}

# Offline (weir policy eval) nobody asked the API server: not checked.
test_share_permission_not_checked_without_answer if {
	inp := json.patch(share_request_by(carol, good_share, false), [{"op": "remove", "path": "/related/permissions"}])
	count(deny) == 0 with input as inp
}

# An empty username is nobody's, even of a Workspace without an owner.
test_share_no_owner_match_on_empty_user if {
	ownerless := json.patch(shared_ws, [{"op": "remove", "path": "/metadata/annotations"}])
	inp := json.patch(share_request_by({"username": ""}, good_share, false), [{"op": "replace", "path": "/related/workspace", "value": ownerless}])
	some v in deny with input as inp
	v.policy == "workspaces.share-permission"
	contains(v.msg, "only its owner (none recorded)")
}

test_share_of_missing_workspace_refused if {
	inp := json.patch(share_request_by(alice, good_share, true), [{"op": "replace", "path": "/related", "value": {"permissions": {"share": true}}}])
	deny == {{
		"policy": "workspaces.share-workspace",
		"field": "spec.workspaceName",
		"msg": "WorkspaceShare with-bob: spec.workspaceName names Workspace ws, which does not exist in namespace team-a; create the Workspace first or fix spec.workspaceName",
	}} with input as inp

	# A Workspace of another name in related is not the one named.
	other := json.patch(shared_ws, [{"op": "replace", "path": "/metadata/name", "value": "other"}])
	inp2 := json.patch(share_request_by(alice, good_share, true), [{"op": "replace", "path": "/related/workspace", "value": other}])
	"workspaces.share-workspace" in policies(deny) with input as inp2
	count(patch) == 0 with input as inp2
}

test_share_generated_name_in_message if {
	share := json.patch(good_share, [
		{"op": "remove", "path": "/metadata/name"},
		{"op": "add", "path": "/metadata/generateName", "value": "s-"},
	])
	inp := json.patch(share_request_by(alice, good_share, true), [
		{"op": "replace", "path": "/related", "value": {}},
		{"op": "replace", "path": "/object", "value": share},
		{"op": "replace", "path": "/name", "value": ""},
	])
	some v in deny with input as inp
	startswith(v.msg, "WorkspaceShare s-<generated>: ")
}

test_malformed_subjects_refused if {
	share := share_of([
		{"kind": "User", "name": "bob"},
		{"kind": "Group", "apiGroup": "example.com", "name": "team"},
		{"kind": "ServiceAccount", "name": "bot"},
		{"kind": "ServiceAccount", "apiGroup": "rbac.authorization.k8s.io", "namespace": "ci", "name": "bot"},
		{"kind": "Robot", "name": "r2"},
		{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": ""},
	])
	found := {[v.field, v.msg] | some v in deny with input as share_request_by(alice, share, true); v.policy == "workspaces.share-subjects"}
	found == {
		["spec.subjects[0].apiGroup", "a User needs apiGroup: rbac.authorization.k8s.io"],
		["spec.subjects[1].apiGroup", "a Group needs apiGroup: rbac.authorization.k8s.io"],
		["spec.subjects[2].namespace", "a ServiceAccount needs its namespace (e.g. namespace: team-a)"],
		["spec.subjects[3].apiGroup", `a ServiceAccount's apiGroup is "" (leave it out)`],
		["spec.subjects[4].kind", "must be User, Group or ServiceAccount"],
		["spec.subjects[5].name", "must not be empty: name the user, group or ServiceAccount"],
	}
}

test_duplicate_subjects_refused if {
	sa := {"kind": "ServiceAccount", "namespace": "ci", "name": "bot"}
	share := share_of([bob_subject, sa, bob_subject, {"kind": "ServiceAccount", "namespace": "other", "name": "bot"}, bob_subject])
	found := {[v.field, v.msg] | some v in deny with input as share_request_by(alice, share, true); v.policy == "workspaces.share-subjects"}
	found == {
		["spec.subjects[2]", "repeats spec.subjects[0] (User bob); remove one"],
		["spec.subjects[4]", "repeats spec.subjects[0] (User bob); remove one"],
	}

	# A User and a Group of one name are two subjects.
	group := object.union(bob_subject, {"kind": "Group"})
	count(deny) == 0 with input as share_request_by(alice, share_of([bob_subject, group]), true)
}

test_good_subject_kinds_pass if {
	share := share_of([
		bob_subject,
		{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "oidc:data-team"},
		{"kind": "ServiceAccount", "namespace": "ci", "name": "bot"},
		{"kind": "ServiceAccount", "apiGroup": "", "namespace": "ci", "name": "bot2"},
	])
	count(deny) == 0 with input as share_request_by(alice, share, true)
}

test_share_update_checked_like_create if {
	more := share_of([bob_subject, {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "carol"}])
	"workspaces.share-permission" in policies(deny) with input as share_update(good_share, more, carol, false)
	count(deny) == 0 with input as share_update(good_share, more, alice, false)
	count(deny) == 0 with input as share_update(good_share, more, carol, true)
}

# The garbage collector removing the owner reference, or a label, grants
# nobody anything: not judged.
test_share_metadata_update_not_judged if {
	relabeled := object.union(good_share, {"metadata": {"labels": {"x": "y"}}})
	count(deny) == 0 with input as share_update(good_share, relabeled, carol, false)
	inp := json.patch(share_update(good_share, relabeled, carol, false), [{"op": "replace", "path": "/related", "value": {}}])
	count(deny) == 0 with input as inp
}

test_share_delete_not_judged if {
	inp := object.union(share_request_by(carol, good_share, false), {"operation": "DELETE", "object": null, "oldObject": good_share})
	count(deny) == 0 with input as inp
	count(patch) == 0 with input as inp
}

owner_ref := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "Workspace",
	"name": "ws",
	"uid": "uid-1",
	"controller": false,
	"blockOwnerDeletion": false,
}

test_owner_reference_stamped if {
	patch == {{
		"op": "add",
		"path": "/metadata/ownerReferences",
		"value": [owner_ref],
		"policy": "workspaces.share-owner",
	}} with input as share_request_by(alice, good_share, true)
}

test_owner_reference_kept if {
	owned := json.patch(good_share, [{"op": "add", "path": "/metadata/ownerReferences", "value": [owner_ref]}])
	count(patch) == 0 with input as share_request_by(alice, owned, true)
}

# A reference to an earlier Workspace of the same name is replaced; other
# owners are kept.
test_stale_owner_reference_replaced if {
	stale := object.union(owner_ref, {"uid": "uid-0"})
	other := {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "uid-cm"}
	owned := json.patch(good_share, [{"op": "add", "path": "/metadata/ownerReferences", "value": [stale, other]}])
	some op in patch with input as share_request_by(alice, owned, true)
	op.value == [other, owner_ref]
}

test_no_stamp_without_workspace if {
	inp := json.patch(share_request_by(alice, good_share, true), [{"op": "replace", "path": "/related", "value": {}}])
	count(patch) == 0 with input as inp
}

# The Workspace rules leave shares alone, and the share rules Workspaces.
test_share_rules_ignore_workspaces if {
	inp := request(good_spec)
	count({v | some v in deny with input as inp; startswith(v.policy, "workspaces.share")}) == 0
	count({op | some op in patch with input as inp; op.policy == "workspaces.share-owner"}) == 0
	count(deny) == 0 with input as share_request_by(alice, share_of([bob_subject]), true)
}
