package weir.workspaces

# The IDE's command from the template: a Workspace that sets no
# containerConfig gets the template's defaultContainerConfig (an image such
# as code-server needs its flags to serve on Weir's IDE port). A
# Workspace's own containerConfig is its choice: no bound.

defaults["containerConfig"] := template_spec.defaultContainerConfig if {
	is_object(spec)
	not given(spec, "containerConfig")
	given(template_spec, "defaultContainerConfig")
}
