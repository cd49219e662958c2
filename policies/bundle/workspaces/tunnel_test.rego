package weir.workspaces

tunnel_template := json.patch(team_template, [{"op": "add", "path": "/spec/defaultTunnel", "value": {"port": 22}}])

tunnel_ops(s, tpl) := {op.path: op.value | some op in patch with input as request_tpl(s, tpl); op.policy == "workspaces.defaults"}

test_tunnel_inherited if {
	tunnel_ops(good_spec, tunnel_template) == {"/spec/tunnel": {"port": 22}}
	e := effective with input as request_tpl(good_spec, tunnel_template)
	e.tunnel == {"port": 22}
}

test_tunnel_own_kept if {
	tunnel_ops(object.union(good_spec, {"tunnel": {"port": 2222}}), tunnel_template) == {}
}

test_no_tunnel_without_template_default if {
	tunnel_ops(good_spec, team_template) == {}
}
