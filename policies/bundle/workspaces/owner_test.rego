package weir.workspaces

owned(s, owner) := json.patch(object.union(stored_ws, {"spec": s}), [{
	"op": "add",
	"path": "/metadata/annotations",
	"value": {"workspace.jupyter.org/created-by": owner},
}])

private := owned(object.union(good_spec, {"ownershipType": "OwnerOnly"}), "alice")

stopped := json.patch(private, [{"op": "replace", "path": "/spec/desiredStatus", "value": "Stopped"}])

delete_by(user) := {
	"kind": {"group": "workspace.jupyter.org", "version": "v1alpha1", "kind": "Workspace"},
	"operation": "DELETE",
	"userInfo": user,
	"object": null,
	"oldObject": private,
	"related": {"template": team_template},
}

owner_ops(inp) := {op | some op in patch with input as inp; op.policy == "workspaces.owner"}

test_owner_stamped_on_create if {
	owner_ops(request(good_spec)) == {{
		"op": "add",
		"path": "/metadata/annotations",
		"value": {"workspace.jupyter.org/created-by": "alice"},
		"policy": "workspaces.owner",
	}}
	inp := json.patch(request(good_spec), [{"op": "add", "path": "/object/metadata/annotations", "value": {"note": "x"}}])
	owner_ops(inp) == {{
		"op": "add",
		"path": "/metadata/annotations/workspace.jupyter.org~1created-by",
		"value": "alice",
		"policy": "workspaces.owner",
	}}
}

test_no_stamp_at_reconcile_or_without_user if {
	count(owner_ops(object.union(request(good_spec), {"userInfo": reconciler}))) == 0
	count(owner_ops(object.union(request(good_spec), {"userInfo": {"username": ""}}))) == 0
}

test_own_name_accepted_on_create if {
	inp := object.union(request(good_spec), {"object": owned(good_spec, "alice")})
	count(deny) == 0 with input as inp
	count(owner_ops(inp)) == 0
}

test_forged_owner_denied_on_create if {
	inp := object.union(request(good_spec), {"object": owned(good_spec, "mallory")})
	some v in deny with input as inp
	v.policy == "workspaces.owner"
	v.field == `metadata.annotations["workspace.jupyter.org/created-by"]`
	v.msg == `records who created the Workspace and is set by Weir (to "alice" here); remove it from the manifest`
}

test_owner_change_denied_on_update if {
	some v in deny with input as update(private, owned(private.spec, "bob"), alice)
	v.policy == "workspaces.owner"
	v.msg == `is the Workspace's owner, "alice", and cannot be changed; put it back, or ask a cluster admin to transfer the Workspace`
	admins := {"username": "root", "groups": ["system:masters"]}
	count(deny) == 0 with input as update(private, owned(private.spec, "bob"), admins)
}

# A server-side apply of the original manifest drops the annotation; the
# patch puts it back rather than refusing the apply.
test_dropped_owner_restored if {
	owner_ops(update(private, stopped_without_owner, alice)) == {{
		"op": "add",
		"path": "/metadata/annotations",
		"value": {"workspace.jupyter.org/created-by": "alice"},
		"policy": "workspaces.owner",
	}}
}

stopped_without_owner := json.patch(stopped, [{"op": "remove", "path": "/metadata/annotations"}])

test_ownerless_workspace_claimed_only_by_admins if {
	ownerless := object.union(stored_ws, {"spec": good_spec})
	claimed := owned(good_spec, "bob")
	some v in deny with input as update(ownerless, claimed, bob)
	v.msg == "is set by Weir when a Workspace is created and this one has none; remove it, or ask a cluster admin to set it"
	count(deny) == 0 with input as update(ownerless, claimed, {"username": "root", "groups": ["system:masters"]})
	count(owner_ops(update(ownerless, ownerless, bob))) == 0
}

test_owner_only_changed_by_owner if {
	count(deny) == 0 with input as update(private, stopped, alice)
}

test_owner_only_refuses_others if {
	some v in deny with input as update(private, stopped, bob)
	v.policy == "workspaces.owner-only"
	v.msg == "Workspace ws is OwnerOnly: only its owner (alice) and cluster admins may update it"
	some d in deny with input as delete_by(bob)
	d.msg == "Workspace ws is OwnerOnly: only its owner (alice) and cluster admins may delete it"
	count(deny) == 0 with input as delete_by(alice)
	count(deny) == 0 with input as delete_by({"username": "root", "groups": ["system:masters"]})
}

# Making it Public is a change too: OwnerOnly is read from the stored object.
test_owner_only_cannot_be_lifted_by_others if {
	public := json.patch(private, [{"op": "replace", "path": "/spec/ownershipType", "value": "Public"}])
	"workspaces.owner-only" in policies(deny) with input as update(private, public, bob)
}

test_owner_only_ignores_finalizer_writes if {
	finalized := json.patch(private, [{"op": "add", "path": "/metadata/finalizers", "value": ["x"]}])
	count(deny) == 0 with input as update(private, finalized, {"username": "system:serviceaccount:weir-system:weir"})
}

test_owner_only_ownerless_needs_admin if {
	ownerless := object.union(stored_ws, {"spec": private.spec})
	some v in deny with input as update(ownerless, json.patch(ownerless, [{"op": "replace", "path": "/spec/desiredStatus", "value": "Stopped"}]), alice)
	v.msg == "Workspace ws is OwnerOnly: only its owner (none recorded) and cluster admins may update it"
}

test_public_changed_by_anyone if {
	public := owned(good_spec, "alice")
	count(deny) == 0 with input as update(public, json.patch(public, [{"op": "replace", "path": "/spec/desiredStatus", "value": "Stopped"}]), bob)
}

# A stored Workspace without ownershipType (the webhook was down) has the
# template's default, OwnerOnly here.
test_stored_ownership_from_template if {
	unset := json.patch(private, [{"op": "remove", "path": "/spec/ownershipType"}])
	"workspaces.owner-only" in policies(deny) with input as update(unset, json.patch(unset, [{"op": "add", "path": "/spec/image", "value": "uv"}]), bob)
}

test_reconcile_skips_ownership if {
	count(deny) == 0 with input as object.union(request(good_spec), {"object": owned(good_spec, "mallory"), "userInfo": reconciler})
}

# On DELETE the template comes from the stored Workspace's templateRef.
test_stored_ownership_from_template_on_delete if {
	unset := json.patch(private, [{"op": "remove", "path": "/spec/ownershipType"}])
	inp := json.patch(delete_by(bob), [{"op": "replace", "path": "/oldObject", "value": unset}])
	"workspaces.owner-only" in policies(deny) with input as inp
}

weir_sa := {"username": "system:serviceaccount:weir-system:weir", "groups": ["system:serviceaccounts"]}

by_weir(inp) := object.union(inp, {"related": {"template": team_template, "weir": {"username": weir_sa.username}}})

# Idle shutdown: Weir may stop an OwnerOnly Workspace, and do nothing else.
test_weir_stops_an_idle_owner_only_workspace if {
	count(deny) == 0 with input as by_weir(update(private, stopped, weir_sa))
}

test_weir_may_not_change_or_start_owner_only_workspaces if {
	restarted := update(stopped, private, weir_sa)
	"workspaces.owner-only" in policies(deny) with input as by_weir(restarted)
	imaged := json.patch(stopped, [{"op": "replace", "path": "/spec/image", "value": "evil"}])
	"workspaces.owner-only" in policies(deny) with input as by_weir(update(private, imaged, weir_sa))
	relabelled := json.patch(stopped, [{"op": "add", "path": "/metadata/labels", "value": {"x": "y"}}])
	"workspaces.owner-only" in policies(deny) with input as by_weir(update(private, relabelled, weir_sa))
}

test_only_weir_itself_gets_the_idle_stop if {
	"workspaces.owner-only" in policies(deny) with input as by_weir(update(private, stopped, bob))
	"workspaces.owner-only" in policies(deny) with input as update(private, stopped, weir_sa)
}
