package weir.runs

import data.weir.lib.quantity

resources_spec(r) := {"runs": [{"s3": {}}], "resources": r}

test_within_limits_passes if {
	not "runs.max-resources" in denied(resources_spec({
		"limits": {"cpu": "4", "memory": "8Gi"},
		"requests": {"cpu": "500m", "memory": "1024Mi", "ephemeral-storage": "100Gi"},
	}))
}

test_over_limits_denied if {
	fields(deny, "runs.max-resources") == {"spec.resources.limits.cpu", "spec.resources.limits.memory", "spec.resources.requests.memory"} with input as request(resources_spec({
		"limits": {"cpu": "4001m", "memory": "9Gi"},
		"requests": {"cpu": 2, "memory": "10G"},
	}))
	some v in deny with input as request(resources_spec({"limits": {"memory": "9Gi"}}))
	v.msg == "9Gi is more than the 8Gi of memory a Run may ask for"
}

test_invalid_quantity_denied if {
	some v in deny with input as request(resources_spec({"limits": {"memory": "8 GB"}}))
	v.field == "spec.resources.limits.memory"
	contains(v.msg, "not a quantity")
}

test_maximum_comes_from_data if {
	"runs.max-resources" in denied(resources_spec({"limits": {"cpu": "2"}})) with data.settings.runs.maxResources as {"cpu": "1"}
}

# Administrators edit data.json; a typo there would silently lift the cap.
test_data_quantities_are_valid if {
	every q in array.concat(
		array.concat(
			[q | some q in settings.maxResources],
			[q | some q in settings.defaultRequests],
		),
		[q | some q in settings.defaultLimits],
	) {
		quantity.valid(q)
	}
}
