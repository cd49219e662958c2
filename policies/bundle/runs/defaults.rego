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
# on 2,000 tables of 20 columns, docs/performance.md "Ingest throughput"):
# the image carries the built-ins' precompiled code (WEIR_BUILTIN_CACHE),
# so a Job pod compiles nothing, and `weir ingest` into Marmot peaks at
# 289 MiB RSS (the largest of 3 runs; the module's start alone 182 MiB).
# Hence 320Mi requested, the peak and about 10 % headroom. Without the
# precompiled code (a SourcePlugin's module, compiled in the pod) the same
# run peaks at 393 MiB: above the request, well within the 1Gi limit, which
# leaves room for larger catalogues while a runaway pod is still stopped
# before it starves its node. The 100m CPU request only places the pod.

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
