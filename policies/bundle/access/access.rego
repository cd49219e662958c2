package weir.access

# Who may connect to a Workspace, asked by Weir's access server on a request
# whose decision is not cached. The user has already passed the RBAC fence
# (create on workspaces/connection in the namespace); this decides within
# it. input:
#   user:      {username, groups}, as the login named them (with prefixes)
#   workspace: the Workspace; spec.ownershipType is the effective one
#   owner:     its workspace.jupyter.org/created-by annotation ("" if none)
#   shares:    every WorkspaceShare naming it (stale ones are dropped here)
#   manager:   {name} of the WorkspaceManager serving it
# decision is {allow, code, reason}; reason is shown on the 403 page.

settings := s if {
	s := data.settings.access
	is_object(s)
} else := {}

admin_groups := {g | some g in object.get(settings, "adminGroups", [])}

admin_users := {u | some u in object.get(settings, "adminUsers", [])}

username := object.get(input, ["user", "username"], "")

groups := {g | some g in object.get(input, ["user", "groups"], [])}

ws_name := sprintf("%s/%s", [
	object.get(input, ["workspace", "metadata", "namespace"], ""),
	object.get(input, ["workspace", "metadata", "name"], ""),
])

ownership := object.get(input, ["workspace", "spec", "ownershipType"], "Public")

owner := object.get(input, "owner", "")

admin if username in admin_users

admin if {
	some g in groups
	g in admin_groups
}

is_owner if {
	owner != ""
	username == owner
}

# A share counts only if it is this Workspace's: one whose ownerReference
# names another Workspace uid was left from an earlier Workspace of the same
# name and never grants access.
counts(share) if {
	not workspace_refs(share)
}

counts(share) if {
	some ref in workspace_refs(share)
	ref.uid == input.workspace.metadata.uid
}

workspace_refs(share) := refs if {
	refs := [r |
		some r in object.get(share, ["metadata", "ownerReferences"], [])
		r.kind == "Workspace"
	]
	count(refs) > 0
}

# The share that grants access, if any (its name, for the reason).
granting contains share.metadata.name if {
	some share in object.get(input, "shares", [])
	counts(share)
	some subject in share.spec.subjects
	names_user(subject, share)
}

names_user(subject, _) if {
	subject.kind == "User"
	subject.name == username
}

names_user(subject, _) if {
	subject.kind == "Group"
	subject.name in groups
}

names_user(subject, share) if {
	subject.kind == "ServiceAccount"
	ns := sa_namespace(subject, share)
	sprintf("system:serviceaccount:%s:%s", [ns, subject.name]) == username
}

# A ServiceAccount subject without a namespace is one of the share's own.
sa_namespace(subject, share) := subject.namespace if {
	subject.namespace != ""
} else := share.metadata.namespace

default decision := {
	"allow": false,
	"code": "Invalid",
	"reason": "the access policy could not read the request (no user or Workspace)",
}

decision := d if {
	username != ""
	d := verdict
}

verdict := {"allow": true, "code": "Public", "reason": sprintf("Workspace %s is Public", [ws_name])} if {
	ownership == "Public"
} else := {"allow": true, "code": "Owner", "reason": sprintf("%s owns Workspace %s", [username, ws_name])} if {
	is_owner
} else := {"allow": true, "code": "Shared", "reason": sprintf("WorkspaceShare %s names %s or one of their groups", [min(granting), username])} if {
	count(granting) > 0
} else := {"allow": true, "code": "Admin", "reason": sprintf("%s is an access admin (settings.access)", [username])} if {
	admin
} else := {"allow": false, "code": "NoOwner", "reason": sprintf("Workspace %s is OwnerOnly and has no recorded owner; only a WorkspaceShare or an access admin can let %s in", [ws_name, username])} if {
	owner == ""
} else := {"allow": false, "code": "NotShared", "reason": sprintf("Workspace %s is OwnerOnly: only its owner, %s, and the subjects of its WorkspaceShares may connect, and no share names %s or one of their groups", [ws_name, owner, username])}
