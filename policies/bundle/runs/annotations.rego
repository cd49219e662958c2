package weir.runs

# Some pod annotations grant power: IRSA's eks.amazonaws.com/role-arn gives
# the ingestion pod an AWS role. Administrators list the namespaces allowed
# to set each such annotation in settings.runs.podAnnotationNamespaces
# (annotation -> namespace globs). Annotations not listed are free.

import data.weir.lib.admission
import data.weir.lib.fields

deny contains v if {
	some key, _ in spec.podAnnotations
	allowed := settings.podAnnotationNamespaces[key]
	not namespace_allowed(admission.namespace, allowed)
	v := {
		"policy": "runs.pod-annotations",
		"field": fields.path(["spec", "podAnnotations", key]),
		"msg": sprintf("%s may only be set on Runs in namespaces matching %s, not in %q; ask an administrator (policy data settings.runs.podAnnotationNamespaces)", [key, concat(", ", allowed), admission.namespace]),
	}
}

namespace_allowed(ns, patterns) if {
	some p in patterns
	glob.match(p, null, ns)
}
