package weir.runs

patched(s) := p if p := patch with input as request(s)

test_requests_defaulted_without_resources if {
	patched({"runs": [{"s3": {}}]}) == {{
		"op": "add",
		"path": "/spec/resources",
		"value": {"requests": {"cpu": "100m", "memory": "384Mi"}},
		"policy": "runs.default-requests",
	}}
}

test_requests_defaulted_into_empty_resources if {
	some op in patched({"runs": [{"s3": {}}], "resources": {"requests": {}}})
	op.path == "/spec/resources/requests"
	op.value == {"cpu": "100m", "memory": "384Mi"}
}

test_limited_resource_not_defaulted if {
	some op in patched({"runs": [{"s3": {}}], "resources": {"limits": {"cpu": "50m"}}})
	op.value == {"memory": "384Mi"}
	count(patched({"runs": [{"s3": {}}], "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})) == 0
}

test_existing_requests_kept if {
	count(patched({"runs": [{"s3": {}}], "resources": {"requests": {"cpu": "1"}}})) == 0
}

test_defaults_come_from_data if {
	some op in patched({"runs": [{"s3": {}}]}) with data.settings.runs.defaultRequests as {"memory": "64Mi"}
	op.value.requests.memory == "64Mi"
}
