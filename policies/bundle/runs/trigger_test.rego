package weir.runs

annotated(value) := object.union(request({"runs": [{"s3": {}}]}), {"object": {"metadata": {
	"name": "my-pipeline",
	"annotations": {"runs.marmotdata.io/trigger": value},
}}})

test_trigger_value_other_than_true_warned if {
	some v in warn with input as annotated("yes")
	v.policy == "runs.trigger"
	v.field == `metadata.annotations["runs.marmotdata.io/trigger"]`
	v.msg == `"yes" does not trigger a run, only "true" does: kubectl annotate run my-pipeline runs.marmotdata.io/trigger=true --overwrite`
}

test_trigger_true_not_warned if {
	not "runs.trigger" in {v.policy | some v in warn} with input as annotated("true")
}

test_unchanged_trigger_value_not_warned_again if {
	req := object.union(annotated("yes"), {"operation": "UPDATE", "oldObject": annotated("yes").object})
	not "runs.trigger" in {v.policy | some v in warn} with input as req
}

test_changed_trigger_value_warned if {
	req := object.union(annotated("yes"), {"operation": "UPDATE", "oldObject": annotated("1").object})
	"runs.trigger" in {v.policy | some v in warn} with input as req
}
