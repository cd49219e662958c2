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

# Annotations that set a pod's security profile (AppArmor, the legacy
# seccomp ones) could undo what Weir sets in the pod's securityContext,
# e.g. container.apparmor.security.beta.kubernetes.io/ingest: unconfined.
# Weir's profile is the restricted one; no Run may change it.
deny contains v if {
	some key, _ in spec.podAnnotations
	some prefix in settings.securityAnnotationPrefixes
	startswith(key, prefix)
	v := {
		"policy": "runs.pod-security-annotations",
		"field": fields.path(["spec", "podAnnotations", key]),
		"msg": sprintf("sets the pod's security profile, which Weir fixes (RuntimeDefault seccomp, the runtime's default AppArmor profile); remove the annotation (policy data settings.runs.securityAnnotationPrefixes lists %s)", [concat(", ", settings.securityAnnotationPrefixes)]),
	}
}
