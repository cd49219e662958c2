package weir.runs

shape_fields(runs) := fields(d, "runs.source-shape") if d := deny with input as request({"runs": runs})

test_well_formed_sources_pass if {
	count(shape_fields([{"postgresql": {"host": "h"}}, {"s3": {}}])) == 0
}

test_runs_required if {
	shape_fields([]) == {"spec.runs"}
	count(fields(deny, "runs.source-shape")) == 1 with input as request({})
}

test_entry_must_be_object if {
	shape_fields([{"s3": {}}, "postgresql"]) == {"spec.runs[1]"}
}

test_entry_must_name_one_source if {
	shape_fields([{"postgresql": {}, "s3": {}}, {}]) == {"spec.runs[0]", "spec.runs[1]"}
	some v in deny with input as request({"runs": [{"postgresql": {}, "s3": {}}]})
	contains(v.msg, "found 2 (postgresql, s3)")
}

test_settings_must_be_object if {
	shape_fields([{"postgresql": null}, {"s3": "bucket"}]) == {"spec.runs[0].postgresql", "spec.runs[1].s3"}
	some v in deny with input as request({"runs": [{"postgresql": null}]})
	contains(v.msg, "found null")
}
