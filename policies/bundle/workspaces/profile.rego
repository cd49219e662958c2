package weir.workspaces

# spec.executionProfileRef names the WorkspaceExecutionProfile (in the
# Workspace's namespace) whose identity the IDE pod runs with. Three rules:
#
# - Whoever names a profile must be allowed to "use" it (RBAC verb use on
#   workspaceexecutionprofiles). The webhook asks the API server on a
#   CREATE that names one and an UPDATE that changes it, and passes the
#   answer as input.related.permissions.useProfile; at reconcile (no user)
#   and offline nobody asked, and nothing is checked.
# - A template with allowedExecutionProfiles allows only those. A denial
#   when the request chooses the profile and at reconcile (the
#   controller's reason is TemplateViolation); a warning on other updates,
#   so a Workspace stored while the webhook was down can still be stopped.
# - A profile that does not exist (yet) is a warning at admission, as a
#   missing template is, and at reconcile a denial: the controller shows
#   Valid=False, reason ExecutionProfileNotFound, and runs no pod.

profile_ref := r if {
	r := spec.executionProfileRef
	is_string(r)
	r != ""
}

# profile_ref_new: the request chooses the profile.
profile_ref_new if {
	profile_ref
	input.operation == "CREATE"
}

profile_ref_new if {
	input.operation == "UPDATE"
	profile_ref != object.get(input.oldObject, ["spec", "executionProfileRef"], "")
}

# profile is the WorkspaceExecutionProfile the Workspace names, resolved by
# Weir into input.related.profile; undefined when it does not exist.
profile := p if {
	workspace_request
	p := input.related.profile
	p.metadata.name == profile_ref
}

profile_not_found := {
	"policy": "workspaces.execution-profile-not-found",
	"field": "spec.executionProfileRef",
	"msg": sprintf("WorkspaceExecutionProfile %q does not exist in namespace %s; create it, or name one that does (kubectl get workspaceexecutionprofiles -n %s); the Workspace starts once it exists", [profile_ref, workspace_namespace, workspace_namespace]),
}

workspace_namespace := n if {
	n := input.namespace
	n != ""
} else := object.get(workspace, ["metadata", "namespace"], "")

profile_missing if {
	profile_ref
	not profile
}

warn contains profile_not_found if {
	profile_missing
	not reconciling
}

deny contains profile_not_found if {
	profile_missing
	reconciling
}

deny contains v if {
	profile_ref_new
	not reconciling
	input.related.permissions.useProfile == false
	user := input.userInfo.username
	p := profile_ref
	ns := workspace_namespace
	v := {
		"policy": "workspaces.execution-profile-use",
		"field": "spec.executionProfileRef",
		"msg": sprintf("user %q may not use WorkspaceExecutionProfile %s in namespace %s: name one you may use, or ask an admin for a Role with verb use on workspaceexecutionprofiles (resourceNames: [%s]): kubectl create role use-profile-%s --verb=use --resource=workspaceexecutionprofiles.workspace.jupyter.org --resource-name=%s -n %s && kubectl create rolebinding use-profile-%s --role=use-profile-%s %s -n %s", [
			user, p, ns, p, p, p, ns, p, p, binding_subject(user), ns,
		]),
	}
}

profile_not_allowed := v if {
	p := profile_ref
	allowed := object.get(template_spec, "allowedExecutionProfiles", [])
	count(allowed) > 0
	not p in allowed
	v := {
		"policy": "workspaces.allowed-execution-profiles",
		"field": "spec.executionProfileRef",
		"msg": sprintf("WorkspaceExecutionProfile %s is not allowed by template %s; use one of %s, or leave executionProfileRef out", [p, template.metadata.name, concat(", ", allowed)]),
	}
}

deny contains profile_not_allowed if reconciling

deny contains profile_not_allowed if profile_ref_new

warn contains profile_not_allowed if {
	not reconciling
	not profile_ref_new
}
