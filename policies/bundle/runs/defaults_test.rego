package weir.runs

patched(s) := p if p := patch with input as request(s)

test_requests_defaulted_without_resources if {
	patched({"runs": [{"s3": {}}]}) == {{
		"op": "add",
		"path": "/spec/resources",
		"value": {"requests": {"cpu": "100m", "memory": "320Mi"}, "limits": {"memory": "1Gi"}},
		"policy": "runs.default-requests",
	}}
}

test_requests_defaulted_into_empty_resources if {
	patched({"runs": [{"s3": {}}], "resources": {"requests": {}}}) == {
		{"op": "add", "path": "/spec/resources/requests", "value": {"cpu": "100m", "memory": "320Mi"}, "policy": "runs.default-requests"},
		{"op": "add", "path": "/spec/resources/limits", "value": {"memory": "1Gi"}, "policy": "runs.default-requests"},
	}
}

test_limited_resource_not_defaulted if {
	some op in patched({"runs": [{"s3": {}}], "resources": {"limits": {"cpu": "50m"}}})
	op.value == {"memory": "320Mi"}
	count(patched({"runs": [{"s3": {}}], "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})) == 0
}

# Requests of its own: no default limit, which could fall below them.
test_existing_requests_kept if {
	count(patched({"runs": [{"s3": {}}], "resources": {"requests": {"cpu": "1", "memory": "4Gi"}}})) == 0
}

test_limits_come_from_data if {
	some op in patched({"runs": [{"s3": {}}]}) with data.settings.runs.defaultLimits as {"memory": "2Gi"}
	op.value.limits == {"memory": "2Gi"}
}

test_defaults_come_from_data if {
	some op in patched({"runs": [{"s3": {}}]}) with data.settings.runs.defaultRequests as {"memory": "64Mi"}
	op.value.requests.memory == "64Mi"
}
