package weir.workspaces

# A Workspace may name a template that does not exist yet (kubectl apply
# of a folder may create it later): at admission that is a warning, and
# the Workspace starts once the template exists. At reconcile it is a
# denial, which the controller shows as Valid=False, reason
# TemplateNotFound, with no pod. A Workspace without a template needs an
# image of its own.

template_missing if {
	is_object(workspace)
	template_pending
}

template_not_found := {
	"policy": "workspaces.template-not-found",
	"field": "spec.templateRef",
	"msg": sprintf("WorkspaceTemplate %q does not exist; create it, or name one that does (kubectl get workspacetemplates); the Workspace starts once it exists", [template_ref]),
}

warn contains template_not_found if {
	template_missing
	not reconciling
}

deny contains template_not_found if {
	template_missing
	reconciling
}

violation contains v if {
	is_object(spec)
	not template_missing
	not effective.image
	v := {
		"policy": "workspaces.image",
		"field": "spec.image",
		"msg": "a Workspace needs an image; set e.g. image: jupyter/minimal-notebook:latest, or name a template with a defaultImage in templateRef",
	}
}
