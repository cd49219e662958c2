package weir.workspaces

unknown_template := without_template({"templateRef": "nope"})

test_unknown_template_warns_at_admission if {
	w := warn with input as unknown_template
	policies(w) == {"workspaces.template-not-found"}
	some v in w
	v.field == "spec.templateRef"
	v.msg == `WorkspaceTemplate "nope" does not exist; create it, or name one that does (kubectl get workspacetemplates); the Workspace starts once it exists`
	count(deny) == 0 with input as unknown_template
}

test_unknown_template_denied_at_reconcile if {
	inp := object.union(unknown_template, {"userInfo": reconciler})
	policies(deny) == {"workspaces.template-not-found"} with input as inp
}

test_image_required if {
	some v in warn with input as request({"desiredStatus": "Running"}) with data.settings.workspaces.defaultImage as ""
	v.policy == "workspaces.image"
	v.field == "spec.image"
	tpl := json.patch(team_template, [{"op": "remove", "path": "/spec/defaultImage"}])
	"workspaces.image" in policies(warn) with input as request_tpl({"templateRef": "team"}, tpl) with data.settings.workspaces.defaultImage as ""
	not "workspaces.image" in policies(warn) with input as request({"templateRef": "team"})
}
