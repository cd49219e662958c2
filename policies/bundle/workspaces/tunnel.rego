package weir.workspaces

# The desktop tunnel from the template: a Workspace that sets no tunnel
# gets the template's defaultTunnel (e.g. port 22 for an image with an SSH
# server). A Workspace's own tunnel is its choice: no bound.

defaults["tunnel"] := template_spec.defaultTunnel if {
	is_object(spec)
	not given(spec, "tunnel")
	given(template_spec, "defaultTunnel")
}
