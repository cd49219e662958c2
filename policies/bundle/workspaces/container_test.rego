package weir.workspaces

code_server := {"args": ["--bind-addr", "0.0.0.0:8888", "--auth", "none"]}

container_template := json.patch(team_template, [{"op": "add", "path": "/spec/defaultContainerConfig", "value": code_server}])

container_ops(s, tpl) := {op.path: op.value | some op in patch with input as request_tpl(s, tpl); op.policy == "workspaces.defaults"}

test_container_config_inherited if {
	container_ops(good_spec, container_template) == {"/spec/containerConfig": code_server}
	e := effective with input as request_tpl(good_spec, container_template)
	e.containerConfig == code_server
}

test_container_config_own_kept if {
	own := object.union(good_spec, {"containerConfig": {"command": ["start.sh"]}})
	container_ops(own, container_template) == {}
}

test_no_container_config_without_template_default if {
	container_ops(good_spec, team_template) == {}
}
