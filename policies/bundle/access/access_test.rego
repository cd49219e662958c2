package weir.access

ws(ownership) := {
	"metadata": {"namespace": "team", "name": "nb", "uid": "uid-1"},
	"spec": {"ownershipType": ownership},
}

share(name, subjects) := {
	"metadata": {"namespace": "team", "name": name},
	"spec": {"workspaceName": "nb", "subjects": subjects},
}

owned_share(name, uid, subjects) := json.patch(share(name, subjects), [{
	"op": "add",
	"path": "/metadata/ownerReferences",
	"value": [{"apiVersion": "workspace.jupyter.org/v1alpha1", "kind": "Workspace", "name": "nb", "uid": uid}],
}])

req(user, groups, ownership, shares) := {
	"user": {"username": user, "groups": groups},
	"workspace": ws(ownership),
	"owner": "alice",
	"shares": shares,
	"manager": {"name": "default"},
}

allowed(inp) if {
	d := decision with input as inp
	d.allow
}

test_owner_allowed if {
	d := decision with input as req("alice", [], "OwnerOnly", [])
	d.allow
	d.code == "Owner"
}

test_other_user_denied_with_reason if {
	d := decision with input as req("bob", ["dev"], "OwnerOnly", [])
	not d.allow
	d.code == "NotShared"
	contains(d.reason, "team/nb is OwnerOnly")
	contains(d.reason, "alice")
	contains(d.reason, "bob")
}

test_share_by_user if {
	d := decision with input as req("bob", [], "OwnerOnly", [share("s1", [{"kind": "User", "name": "bob"}])])
	d.allow
	d.code == "Shared"
	contains(d.reason, "s1")
}

test_share_by_group if {
	shares := [share("s1", [{"kind": "Group", "name": "data-science"}])]
	allowed(req("bob", ["data-science"], "OwnerOnly", shares))
	not allowed(req("bob", ["ops"], "OwnerOnly", shares))
}

test_share_by_serviceaccount if {
	explicit := [share("s1", [{"kind": "ServiceAccount", "name": "bot", "namespace": "ci"}])]
	allowed(req("system:serviceaccount:ci:bot", [], "OwnerOnly", explicit))
	not allowed(req("system:serviceaccount:team:bot", [], "OwnerOnly", explicit))

	# Without a namespace: the share's own.
	implicit := [share("s1", [{"kind": "ServiceAccount", "name": "bot"}])]
	allowed(req("system:serviceaccount:team:bot", [], "OwnerOnly", implicit))

	# A User subject named like a service account is not one.
	not allowed(req("bot", [], "OwnerOnly", implicit))
}

test_share_for_another_user_does_not_help if {
	d := decision with input as req("bob", [], "OwnerOnly", [share("s1", [{"kind": "User", "name": "carol"}])])
	not d.allow
}

test_public_admits_anyone if {
	d := decision with input as req("bob", [], "Public", [])
	d.allow
	d.code == "Public"
}

test_unset_ownership_is_public if {
	inp := json.patch(req("bob", [], "Public", []), [{"op": "remove", "path": "/workspace/spec/ownershipType"}])
	allowed(inp)
}

test_stale_share_of_an_earlier_workspace_does_not_count if {
	stale := [owned_share("s1", "uid-0", [{"kind": "User", "name": "bob"}])]
	not allowed(req("bob", [], "OwnerOnly", stale))
	current := [owned_share("s1", "uid-1", [{"kind": "User", "name": "bob"}])]
	allowed(req("bob", [], "OwnerOnly", current))
}

test_admin_groups_from_settings if {
	not allowed(req("root", ["platform"], "OwnerOnly", []))
	d := decision with input as req("root", ["platform"], "OwnerOnly", [])
		with data.settings.access.adminGroups as ["platform"]
	d.allow
	d.code == "Admin"
}

test_admin_users_from_settings if {
	d := decision with input as req("root", [], "OwnerOnly", [])
		with data.settings.access.adminUsers as ["root"]
	d.allow
}

test_no_owner_recorded if {
	inp := object.union(req("bob", [], "OwnerOnly", []), {"owner": ""})
	d := decision with input as inp
	not d.allow
	d.code == "NoOwner"

	# Nobody is the owner of an ownerless Workspace, not even "".
	inp2 := object.union(req("", [], "OwnerOnly", []), {"owner": ""})
	not allowed(inp2)
}

test_no_user_denied if {
	d := decision with input as req("", [], "Public", [])
	not d.allow
	d.code == "Invalid"
}

test_without_access_settings if {
	inp := req("alice", ["platform"], "OwnerOnly", [])
	d := decision with input as inp with data.settings as {}
	d.code == "Owner"
	not allowed(req("root", ["platform"], "OwnerOnly", [])) with data.settings as {}
}
