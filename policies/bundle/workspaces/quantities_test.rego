package weir.workspaces

test_malformed_quantities_denied_whatever_the_enforcement if {
	d := deny with input as request({"image": "a:1", "resources": {"requests": {"cpu": "1 core", "nvidia.com/gpu": "one"}, "limits": {"memory": "2GB"}}, "storage": {"size": "ten"}})
	fields(d, "workspaces.quantity") == {
		"spec.resources.requests.cpu",
		`spec.resources.requests["nvidia.com/gpu"]`,
		"spec.resources.limits.memory",
		"spec.storage.size",
	}
	some v in d
	v.field == "spec.resources.limits.memory"
	v.msg == `"2GB" is not a quantity; write e.g. 512Mi or 2Gi`
	some s in d
	s.field == "spec.storage.size"
	s.msg == `"ten" is not a quantity; write e.g. 10Gi or 500Mi`
}

test_quantity_examples if {
	example("cpu") == "500m or 2"
	example("nvidia.com/gpu") == "1"
	example("ephemeral-storage") == "1, 500m or 2Gi"
}
