package weir.lib.admission

test_reviewed_on_create if {
	reviewed == {"kind": "Run"} with input as {"operation": "CREATE", "object": {"kind": "Run"}}
}

test_reviewed_on_update if {
	reviewed with input as {"operation": "UPDATE", "object": {"kind": "Run"}}
}

test_not_reviewed_on_delete if {
	not reviewed with input as {"operation": "DELETE", "oldObject": {"kind": "Run"}}
}

test_not_reviewed_while_deleting if {
	not reviewed with input as {
		"operation": "UPDATE",
		"object": {"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}},
	}
}

test_namespace_from_request if {
	namespace == "a" with input as {"namespace": "a", "object": {"metadata": {"namespace": "b"}}}
}

test_namespace_from_object if {
	namespace == "b" with input as {"namespace": "", "object": {"metadata": {"namespace": "b"}}}
}
