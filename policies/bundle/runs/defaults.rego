package weir.runs

# A mutation: a Run that asks for no resources gets the requests in
# settings.runs.defaultRequests, so the scheduler can place it and quotas
# count it, and, when it sets no limits either, the limits in
# settings.runs.defaultLimits. A resource with a limit gets no default
# request: Kubernetes already uses the limit as its request, and a default
# above the limit would be invalid. A Run with requests of its own gets no
# default limit, which could fall below them.
#
# The defaults are measured (make bench-plugins, 2 cores, PostgreSQL source
# on 2,000 tables of 20 columns): a Job pod starts with an empty
# compilation cache, and `weir ingest` compiles the module first, which
# takes about 4.5 CPU-seconds and peaks at 283 MiB for the compile alone
# (weir plugin describe) and 372 MiB for the whole run (18 s wall, against
# 248 MiB and 7.6 s with a warm cache). Hence 384Mi requested and a 1Gi
# limit: 2.7x the measured peak, for larger catalogues, while a runaway pod
# is still stopped before it starves its node. The 100m CPU request only
# places the pod; the compile then uses what the node has spare.

default_requests := {name: q |
	some name, q in settings.defaultRequests
	not spec.resources.limits[name]
}

default_limits := {name: q | some name, q in settings.defaultLimits}

patch contains op if {
	is_object(spec)
	not spec.resources
	value := {k: v | some k, v in {"requests": default_requests, "limits": default_limits}; count(v) > 0}
	count(value) > 0
	op := {
		"op": "add",
		"path": "/spec/resources",
		"value": value,
		"policy": "runs.default-requests",
	}
}

patch contains op if {
	is_object(spec.resources)
	count(object.get(spec.resources, "requests", {})) == 0
	count(object.get(spec.resources, "limits", {})) == 0
	count(default_limits) > 0
	op := {
		"op": "add",
		"path": "/spec/resources/limits",
		"value": default_limits,
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
