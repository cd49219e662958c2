package weir.workspaces

# The owner of a Workspace is the user who created it. The patch stamps
# input.userInfo.username into the annotation workspace.jupyter.org/created-by
# on CREATE; nobody may set it to anyone else, and only cluster admins may
# change it later (to transfer ownership). An update that drops it (a
# server-side apply of the original manifest does) gets it back, since
# that is no attempt to change the owner. An OwnerOnly Workspace may then
# be changed or deleted only by its owner and admins (settings.workspaces
# adminUsers, adminGroups). None of this applies at reconcile, where the
# controller, not a user, asks.

import data.weir.lib.fields

owner_annotation := "workspace.jupyter.org/created-by"

owner_field := fields.path(["metadata", "annotations", owner_annotation])

annotations := a if {
	a := workspace.metadata.annotations
	is_object(a)
} else := {}

old_annotations := a if {
	a := input.oldObject.metadata.annotations
	is_object(a)
} else := {}

# The value the stored Workspace must keep: the creator on CREATE, the
# stored owner on UPDATE.
owner := input.userInfo.username if {
	input.operation == "CREATE"
	input.userInfo.username != ""
} else := old_annotations[owner_annotation] if {
	input.operation == "UPDATE"
}

patch contains op if {
	is_object(workspace)
	not reconciling
	not annotations[owner_annotation]
	op := object.union(annotation_op(owner_annotation, owner), {"policy": "workspaces.owner"})
}

# annotation_op adds one annotation, creating the map when there is none.
annotation_op(key, value) := {"op": "add", "path": fields.pointer(["metadata", "annotations", key]), "value": value} if {
	is_object(workspace.metadata.annotations)
} else := {"op": "add", "path": "/metadata/annotations", "value": {key: value}}

deny contains v if {
	is_object(workspace)
	input.operation == "CREATE"
	not reconciling
	some forged in [annotations[owner_annotation]]
	forged != owner
	v := {
		"policy": "workspaces.owner",
		"field": owner_field,
		"msg": sprintf("records who created the Workspace and is set by Weir (to %q here); remove it from the manifest", [owner]),
	}
}

deny contains v if {
	is_object(workspace)
	input.operation == "UPDATE"
	not reconciling
	not admin
	some old in [old_annotations[owner_annotation]]
	some new in [annotations[owner_annotation]]
	new != old
	v := {
		"policy": "workspaces.owner",
		"field": owner_field,
		"msg": sprintf("is the Workspace's owner, %q, and cannot be changed; put it back, or ask a cluster admin to transfer the Workspace", [old]),
	}
}

# Nobody but admins may give an ownerless Workspace (one stored while the
# webhook was down) an owner, which could lock everyone else out.
deny contains v if {
	is_object(workspace)
	input.operation == "UPDATE"
	not reconciling
	not admin
	not old_annotations[owner_annotation]
	annotations[owner_annotation]
	v := {
		"policy": "workspaces.owner",
		"field": owner_field,
		"msg": "is set by Weir when a Workspace is created and this one has none; remove it, or ask a cluster admin to set it",
	}
}

# OwnerOnly is read from the stored Workspace: a change cannot lift it.
deny contains v if {
	workspace_request
	input.operation in {"UPDATE", "DELETE"}
	not reconciling
	not admin
	stored_ownership == "OwnerOnly"
	not input.userInfo.username == old_annotations[owner_annotation]
	changes_workspace
	not weir_idle_stop
	v := {
		"policy": "workspaces.owner-only",
		"msg": sprintf("Workspace %s is OwnerOnly: only its owner (%s) and cluster admins may %s it", [
			input.oldObject.metadata.name,
			object.get(old_annotations, owner_annotation, "none recorded"),
			lower(input.operation),
		]),
	}
}

stored_ownership := t if {
	t := input.oldObject.spec.ownershipType
	t != ""
} else := default_ownership

changes_workspace if input.operation == "DELETE"

# A write that changes only finalizers or status (the controller's) is no
# change of the Workspace.
changes_workspace if {
	input.operation == "UPDATE"
	some path in [["spec"], ["metadata", "labels"], ["metadata", "annotations"]]
	object.get(input.object, path, {}) != object.get(input.oldObject, path, {})
}

# Weir itself (input.related.weir.username, the identity its manager runs
# as) stops an idle Workspace by setting spec.desiredStatus to Stopped. That
# one change, and nothing else, it may make to an OwnerOnly Workspace: it
# can neither start one nor change anything else in it.
weir_idle_stop if {
	input.operation == "UPDATE"
	weir_user := input.related.weir.username
	weir_user != ""
	input.userInfo.username == weir_user
	input.object.spec.desiredStatus == "Stopped"
	object.get(input.oldObject, ["spec", "desiredStatus"], "Running") != "Stopped"
	object.remove(input.object.spec, ["desiredStatus"]) == object.remove(input.oldObject.spec, ["desiredStatus"])
	object.get(input.object, ["metadata", "labels"], {}) == object.get(input.oldObject, ["metadata", "labels"], {})
	object.get(input.object, ["metadata", "annotations"], {}) == object.get(input.oldObject, ["metadata", "annotations"], {})
}
