package weir.workspaces

# Idle shutdown from the template: a Workspace that sets no idleShutdown
# gets the template's, on when the template says enabled or sets a
# maximum (which allows no Workspace without it), with its
# defaultIdleTimeoutInMinutes, else 60 (or the maximum, when lower). A
# template's maxIdleTimeoutInMinutes bounds the effective timeout and
# keeps idle shutdown on: violations like bounds.rego's (TemplateViolation
# at reconcile), the same query at admission and reconcile.

import data.weir.lib.fields

template_idle := object.get(template_spec, "idleShutdown", {})

max_idle := template_idle.maxIdleTimeoutInMinutes

defaults["idleShutdown"] := idle if {
	is_object(spec)
	not given(spec, "idleShutdown")
	given(template_spec, "idleShutdown")
	idle := {
		"enabled": idle_default_enabled,
		"idleTimeoutInMinutes": idle_default_timeout,
	}
}

idle_default_enabled if template_idle.enabled == true

idle_default_enabled if max_idle

default idle_default_enabled := false

idle_default_timeout := t if {
	t := template_idle.defaultIdleTimeoutInMinutes
} else := min({60, max_idle}) if {
	max_idle
} else := 60

effective_idle := i if {
	i := effective.idleShutdown
	is_object(i)
} else := {}

violation contains v if {
	object.get(effective_idle, "enabled", false) == true
	t := object.get(effective_idle, "idleTimeoutInMinutes", 60)
	t > max_idle
	v := {
		"policy": "workspaces.idle-bounds",
		"field": "spec.idleShutdown.idleTimeoutInMinutes",
		"msg": sprintf("%v%s is above the maximum of template %s; set at most %v minutes", [t, inherited(["idleShutdown"]), template_name, max_idle]),
	}
}

violation contains v if {
	max_idle
	is_object(spec)
	not object.get(effective_idle, "enabled", false) == true
	v := {
		"policy": "workspaces.idle-bounds",
		"field": "spec.idleShutdown.enabled",
		"msg": sprintf("idle shutdown is off, but template %s requires it (a timeout of at most %v minutes); set enabled: true, or leave idleShutdown out for the template's", [template_name, max_idle]),
	}
}

deny contains v if {
	s := own_template.idleShutdown
	s.defaultIdleTimeoutInMinutes > s.maxIdleTimeoutInMinutes
	v := {
		"policy": "workspaces.template-consistency",
		"field": fields.path(["spec", "idleShutdown", "defaultIdleTimeoutInMinutes"]),
		"msg": sprintf("%v is above maxIdleTimeoutInMinutes %v; pick a default within it", [s.defaultIdleTimeoutInMinutes, s.maxIdleTimeoutInMinutes]),
	}
}
