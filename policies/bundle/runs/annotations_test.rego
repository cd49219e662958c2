package weir.runs

irsa_spec := {
	"podAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/r", "team": "x"},
	"runs": [{"s3": {}}],
}

restricted := {"eks.amazonaws.com/role-arn": ["data-*", "ingest"]}

in_namespace(ns) := object.union(request(irsa_spec), {"namespace": ns})

test_default_data_allows_irsa_everywhere if {
	not "runs.pod-annotations" in denied(irsa_spec)
}

test_restricted_annotation_allowed_in_listed_namespaces if {
	every ns in ["ingest", "data-team"] {
		count(fields(deny, "runs.pod-annotations")) == 0 with input as in_namespace(ns)
			with data.settings.runs.podAnnotationNamespaces as restricted
	}
}

test_restricted_annotation_denied_elsewhere if {
	some v in deny with input as in_namespace("default")
		with data.settings.runs.podAnnotationNamespaces as restricted
	v.policy == "runs.pod-annotations"
	v.field == `spec.podAnnotations["eks.amazonaws.com/role-arn"]`
	contains(v.msg, `matching data-*, ingest, not in "default"`)
}

test_namespace_from_object_when_request_has_none if {
	inp := object.union(request(irsa_spec), {"namespace": "", "object": {"metadata": {"namespace": "ingest"}}})
	count(fields(deny, "runs.pod-annotations")) == 0 with input as inp
		with data.settings.runs.podAnnotationNamespaces as restricted
}

test_security_annotations_denied if {
	every key in [
		"container.apparmor.security.beta.kubernetes.io/ingest",
		"seccomp.security.alpha.kubernetes.io/pod",
		"container.seccomp.security.alpha.kubernetes.io/ingest",
	] {
		some v in deny with input as request({"podAnnotations": {key: "unconfined"}, "runs": [{"s3": {}}]})
		v.policy == "runs.pod-security-annotations"
		v.field == sprintf(`spec.podAnnotations["%s"]`, [key])
		contains(v.msg, "remove the annotation")
	}
}

test_other_annotations_not_security if {
	not "runs.pod-security-annotations" in denied(irsa_spec)
}
