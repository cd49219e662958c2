# Package weir.workspaces holds the policies for the kinds of
# workspace.jupyter.org: a Workspace's defaults from its WorkspaceTemplate
# (patch), the template's bounds, and who may change an OwnerOnly
# Workspace. The engine routes every kind of the group here, so rules say
# which kind they judge. Each file is one policy with its tests beside it;
# this file holds what they share (docs/policies.md has the contract).
package weir.workspaces

import data.weir.lib.admission

settings := data.settings.workspaces

# The controller decides a stored Workspace as a CREATE by this user
# (operator/runs.ReconcileUser): there every bound is a denial, so an
# invalid Workspace gets Valid=False and no pod, and nothing is stamped.
reconcile_user := "system:weir:reconcile"

reconciling if input.userInfo.username == reconcile_user

# workspace is the Workspace under review. It is undefined on DELETE and
# while the Workspace is being deleted, so no bound can block its removal.
workspace := admission.reviewed if workspace_request

# workspace_request: the request is about a Workspace (not its template).
workspace_request if {
	input.kind.group == "workspace.jupyter.org"
	input.kind.kind == "Workspace"
}

spec := s if {
	s := workspace.spec
	is_object(s)
} else := {} if is_object(workspace)

# template_ref names the Workspace's template: the new object's, or on
# DELETE the stored one's (templateRef cannot change).
template_ref := r if {
	r := object.get(input, ["object", "spec", "templateRef"], "")
	r != ""
} else := r if {
	r := object.get(input, ["oldObject", "spec", "templateRef"], "")
	r != ""
}

# template is the WorkspaceTemplate the Workspace names, as the API server
# returns it, resolved by Weir into input.related.template. Undefined when
# it does not exist (or Weir could not tell).
template := t if {
	workspace_request
	t := input.related.template
	t.metadata.name == template_ref
}

template_spec := object.get(template, "spec", {})

# given: obj sets key to something other than nothing.
given(obj, key) if {
	v := obj[key]
	not v in {null, "", {}, []}
}

# Admins may change any Workspace and transfer its ownership.
admin if input.userInfo.username in settings.adminUsers

admin if {
	some g in input.userInfo.groups
	g in settings.adminGroups
}

# enforced: bound violations refuse the request rather than warn. At
# admission that is the data's choice (settings.workspaces.enforcement,
# "warn" by default, as upstream stores invalid Workspaces and marks them);
# at reconcile a violation always holds the Workspace back.
enforced if settings.enforcement == "deny"

enforced if reconciling

deny contains v if {
	enforced
	some v in violation
}

warn contains v if {
	not enforced
	some v in violation
}
