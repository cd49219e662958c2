package weir.lib.fields

test_path_plain if {
	path(["spec", "runs", 0, "postgresql", "password"]) == "spec.runs[0].postgresql.password"
}

test_path_quotes_odd_keys if {
	path(["spec", "podAnnotations", "eks.amazonaws.com/role-arn"]) == `spec.podAnnotations["eks.amazonaws.com/role-arn"]`
}

test_path_quotes_odd_first_key if {
	path(["a b", "c"]) == `["a b"].c`
}

test_pointer_escapes if {
	pointer(["metadata", "annotations", "a/b~c", 2]) == "/metadata/annotations/a~1b~0c/2"
}
