package weir.runs

test_scheduled_without_deadline_warned if {
	some v in warn with input as request({"schedule": "@daily", "runs": [{"s3": {}}]})
	v.policy == "runs.deadline"
	v.field == "spec.activeDeadlineSeconds"
	not "runs.deadline" in denied({"schedule": "@daily", "runs": [{"s3": {}}]})
}

test_deadline_or_no_schedule_not_warned if {
	not "runs.deadline" in warned({"schedule": "@daily", "activeDeadlineSeconds": 600, "runs": [{"s3": {}}]})
	not "runs.deadline" in warned({"runs": [{"s3": {}}]})
}
