package weir.workspaces

# A WorkspaceShare lets the subjects it names connect to one OwnerOnly
# Workspace (the access server reads it). Only the Workspace's owner, an
# admin of settings.workspaces, or a user RBAC allows the verb "share" on
# that Workspace may create one or change whom it names: the webhook asks
# the API server (a SubjectAccessReview) and passes the answer as
# input.related.permissions.share; where nobody asked (weir policy eval
# offline) that check is left out. The Workspace comes from Weir's cache
# as input.related.workspace. Deleting a share is RBAC's alone: revoking
# access never waits on a policy.

import data.weir.lib.admission
import data.weir.lib.fields

share_request if {
	input.kind.group == "workspace.jupyter.org"
	input.kind.kind == "WorkspaceShare"
}

# share is the WorkspaceShare under review; undefined on DELETE and while
# it is being deleted.
share := s if {
	share_request
	s := admission.reviewed
	is_object(s)
}

share_spec := object.get(share, "spec", {})

share_workspace_name := n if {
	n := share_spec.workspaceName
	is_string(n)
	n != ""
}

share_name := n if {
	n := object.get(share, ["metadata", "name"], "")
	n != ""
} else := sprintf("%s<generated>", [object.get(share, ["metadata", "generateName"], "")])

# shared_workspace is the Workspace the share names; undefined when it does
# not exist (or Weir could not tell).
shared_workspace := w if {
	w := input.related.workspace
	w.metadata.name == share_workspace_name
}

# share_changes: a CREATE, or an UPDATE of what the share grants. Labels,
# annotations and owner references grant nothing, and the garbage
# collector's writes of them must pass.
share_changes if {
	is_object(share)
	input.operation == "CREATE"
}

share_changes if {
	is_object(share)
	input.operation == "UPDATE"
	share_spec != object.get(input.oldObject, "spec", {})
}

deny contains v if {
	share_changes
	name := share_workspace_name
	not shared_workspace
	v := {
		"policy": "workspaces.share-workspace",
		"field": "spec.workspaceName",
		"msg": sprintf("WorkspaceShare %s: spec.workspaceName names Workspace %s, which does not exist in namespace %s; create the Workspace first or fix spec.workspaceName", [share_name, name, admission.namespace]),
	}
}

deny contains v if {
	share_changes
	w := shared_workspace
	perms := input.related.permissions
	not may_share(w, perms)
	user := input.userInfo.username
	ws := w.metadata.name
	ns := admission.namespace
	v := {
		"policy": "workspaces.share-permission",
		"msg": sprintf("user %q may not share Workspace %s: only its owner (%s), cluster admins, and users RBAC allows the verb share on it may; ask the owner to share it, or an admin for a Role with verb share on workspaces (resourceNames: [%s]): kubectl create role share-%s --verb=share --resource=workspaces.workspace.jupyter.org --resource-name=%s -n %s && kubectl create rolebinding share-%s --role=share-%s %s -n %s", [
			user, ws,
			object.get(w, ["metadata", "annotations", owner_annotation], "none recorded"),
			ws, ws, ws, ns, ws, ws, binding_subject(user), ns,
		]),
	}
}

may_share(w, _) if {
	input.userInfo.username != ""
	input.userInfo.username == w.metadata.annotations[owner_annotation]
}

may_share(_, _) if admin

may_share(_, perms) if perms.share == true

# binding_subject is the kubectl create rolebinding flag naming user.
binding_subject(user) := concat("", ["--serviceaccount=", sa]) if {
	sa := trim_prefix(user, "system:serviceaccount:")
	sa != user
} else := concat("", ["--user=", user])

# Subjects are as in a RoleBinding, and the access server matches them the
# same way: a User or Group by name (apiGroup rbac.authorization.k8s.io),
# a ServiceAccount by namespace and name (apiGroup "").
rbac_group := "rbac.authorization.k8s.io"

share_subjects := object.get(share_spec, "subjects", [])

subject_findings contains [i, "kind", "must be User, Group or ServiceAccount"] if {
	some i, s in share_subjects
	not s.kind in {"User", "Group", "ServiceAccount"}
}

subject_findings contains [i, "name", "must not be empty: name the user, group or ServiceAccount"] if {
	some i, s in share_subjects
	object.get(s, "name", "") == ""
}

subject_findings contains [i, "apiGroup", msg] if {
	some i, s in share_subjects
	s.kind in {"User", "Group"}
	object.get(s, "apiGroup", "") != rbac_group
	msg := sprintf("a %s needs apiGroup: %s", [s.kind, rbac_group])
}

subject_findings contains [i, "namespace", msg] if {
	some i, s in share_subjects
	s.kind == "ServiceAccount"
	object.get(s, "namespace", "") == ""
	msg := sprintf("a ServiceAccount needs its namespace (e.g. namespace: %s)", [admission.namespace])
}

subject_findings contains [i, "apiGroup", `a ServiceAccount's apiGroup is "" (leave it out)`] if {
	some i, s in share_subjects
	s.kind == "ServiceAccount"
	object.get(s, "apiGroup", "") != ""
}

deny contains v if {
	share_changes
	some [i, key, msg] in subject_findings
	v := {
		"policy": "workspaces.share-subjects",
		"field": fields.path(["spec", "subjects", i, key]),
		"msg": msg,
	}
}

# subject_key is who a subject is, whatever its apiGroup says.
subject_key(s) := [s.kind, object.get(s, "namespace", ""), s.name] if s.kind == "ServiceAccount"

subject_key(s) := [s.kind, "", s.name] if s.kind != "ServiceAccount"

deny contains v if {
	share_changes
	subjects := share_subjects
	some j, s in subjects
	some i, earlier in subjects
	i < j
	subject_key(earlier) == subject_key(s)
	not i_repeated_before(subjects, i)
	v := {
		"policy": "workspaces.share-subjects",
		"field": fields.path(["spec", "subjects", j]),
		"msg": sprintf("repeats spec.subjects[%d] (%s %s); remove one", [i, s.kind, s.name]),
	}
}

# i_repeated_before: subjects[i] repeats an earlier one, so a third copy
# is reported against the first only.
i_repeated_before(subjects, i) if {
	some k, s in subjects
	k < i
	subject_key(s) == subject_key(subjects[i])
}

# The share is deleted with its Workspace: the patch makes the Workspace
# (by uid, so a share never outlives it into a new Workspace of the same
# name) an owner, replacing any other Workspace owner reference.
share_owner_ref := {
	"apiVersion": "workspace.jupyter.org/v1alpha1",
	"kind": "Workspace",
	"name": shared_workspace.metadata.name,
	"uid": shared_workspace.metadata.uid,
	"controller": false,
	"blockOwnerDeletion": false,
} if {
	is_object(share)
	shared_workspace.metadata.uid
}

workspace_owner_ref(r) if {
	r.kind == "Workspace"
	startswith(r.apiVersion, "workspace.jupyter.org/")
}

patch contains op if {
	ref := share_owner_ref
	refs := object.get(share, ["metadata", "ownerReferences"], [])
	not owned_by_exactly(refs, ref)
	others := [r | some r in refs; not workspace_owner_ref(r)]
	op := {
		"op": "add",
		"path": "/metadata/ownerReferences",
		"value": array.concat(others, [ref]),
		"policy": "workspaces.share-owner",
	}
}

owned_by_exactly(refs, ref) if {
	ref in refs
	count([r | some r in refs; workspace_owner_ref(r)]) == 1
}
