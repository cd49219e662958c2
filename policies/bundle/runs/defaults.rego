package weir.runs

# A mutation: a Run that asks for no resources gets the requests in
# settings.runs.defaultRequests, so the scheduler can place it and quotas
# count it. A resource with a limit is left alone: Kubernetes already uses
# the limit as its request, and a default above the limit would be invalid.

default_requests := {name: q |
	some name, q in settings.defaultRequests
	not spec.resources.limits[name]
}

patch contains op if {
	is_object(spec)
	not spec.resources
	count(default_requests) > 0
	op := {
		"op": "add",
		"path": "/spec/resources",
		"value": {"requests": default_requests},
		"policy": "runs.default-requests",
	}
}

patch contains op if {
	is_object(spec.resources)
	count(object.get(spec.resources, "requests", {})) == 0
	count(default_requests) > 0
	op := {
		"op": "add",
		"path": "/spec/resources/requests",
		"value": default_requests,
		"policy": "runs.default-requests",
	}
}
