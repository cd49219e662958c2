package weir.workspaces

idle_template(idle) := json.patch(team_template, [{"op": "add", "path": "/spec/idleShutdown", "value": idle}])

idle_ops(s, tpl) := {op.path: op.value | some op in patch with input as request_tpl(s, tpl); op.policy == "workspaces.defaults"}

idle_findings(s, tpl) := {v.field: v.msg | some v in (warn | deny) with input as request_tpl(with_spec(s), tpl); v.policy == "workspaces.idle-bounds"}

test_idle_inherited if {
	ops := idle_ops(good_spec, idle_template({"enabled": true, "defaultIdleTimeoutInMinutes": 30}))
	ops == {"/spec/idleShutdown": {"enabled": true, "idleTimeoutInMinutes": 30}}
}

test_idle_default_timeout_60 if {
	ops := idle_ops(good_spec, idle_template({"enabled": true}))
	ops["/spec/idleShutdown"] == {"enabled": true, "idleTimeoutInMinutes": 60}
}

# A maximum turns idle shutdown on for Workspaces that do not say, with
# the maximum as the timeout when it is below 60.
test_idle_max_turns_it_on if {
	ops := idle_ops(good_spec, idle_template({"maxIdleTimeoutInMinutes": 20}))
	ops["/spec/idleShutdown"] == {"enabled": true, "idleTimeoutInMinutes": 20}
	count(idle_findings({}, idle_template({"maxIdleTimeoutInMinutes": 20}))) == 0
}

test_idle_off_by_template if {
	ops := idle_ops(good_spec, idle_template({"defaultIdleTimeoutInMinutes": 30}))
	ops["/spec/idleShutdown"] == {"enabled": false, "idleTimeoutInMinutes": 30}
}

test_idle_not_inherited_when_set if {
	ops := idle_ops(with_spec({"idleShutdown": {"enabled": false}}), idle_template({"enabled": true}))
	not ops["/spec/idleShutdown"]
}

test_idle_nothing_without_template_setting if {
	not idle_ops(good_spec, team_template)["/spec/idleShutdown"]
}

test_idle_above_max if {
	f := idle_findings({"idleShutdown": {"enabled": true, "idleTimeoutInMinutes": 120}}, idle_template({"maxIdleTimeoutInMinutes": 90}))
	f == {"spec.idleShutdown.idleTimeoutInMinutes": "120 is above the maximum of template team; set at most 90 minutes"}
}

test_idle_within_max if {
	count(idle_findings({"idleShutdown": {"enabled": true, "idleTimeoutInMinutes": 90}}, idle_template({"maxIdleTimeoutInMinutes": 90}))) == 0
}

test_idle_off_with_max if {
	f := idle_findings({"idleShutdown": {"enabled": false}}, idle_template({"enabled": true, "maxIdleTimeoutInMinutes": 90}))
	f == {"spec.idleShutdown.enabled": "idle shutdown is off, but template team requires it (a timeout of at most 90 minutes); set enabled: true, or leave idleShutdown out for the template's"}
}

test_idle_off_without_max_is_fine if {
	count(idle_findings({"idleShutdown": {"enabled": false}}, idle_template({"enabled": true, "defaultIdleTimeoutInMinutes": 30}))) == 0
}

# At reconcile a bound is a denial, so the Workspace is held back.
test_idle_denied_at_reconcile if {
	inp := object.union(request_tpl(with_spec({"idleShutdown": {"enabled": true, "idleTimeoutInMinutes": 120}}), idle_template({"maxIdleTimeoutInMinutes": 90})), {"userInfo": reconciler})
	some v in deny with input as inp
	v.policy == "workspaces.idle-bounds"
}

test_idle_template_default_above_max if {
	some v in deny with input as template_create(idle_template({"defaultIdleTimeoutInMinutes": 120, "maxIdleTimeoutInMinutes": 60}))
	v.field == "spec.idleShutdown.defaultIdleTimeoutInMinutes"
	v.msg == "120 is above maxIdleTimeoutInMinutes 60; pick a default within it"
}

test_idle_template_consistent if {
	count(deny) == 0 with input as template_create(idle_template({"enabled": true, "defaultIdleTimeoutInMinutes": 30, "maxIdleTimeoutInMinutes": 60}))
}
