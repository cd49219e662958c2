package weir.runs

# Helpers shared by the tests of this package.

request(s) := {
	"kind": {"group": "runs.marmotdata.io", "version": "v1alpha1", "kind": "Run"},
	"operation": "CREATE",
	"namespace": "default",
	"name": "my-pipeline",
	"object": {
		"apiVersion": "runs.marmotdata.io/v1alpha1",
		"kind": "Run",
		"metadata": {"name": "my-pipeline", "namespace": "default"},
		"spec": s,
	},
}

# The Marmot operator's own example: it must pass every policy.
seed_spec := {
	"schedule": "0 */6 * * *",
	"activeDeadlineSeconds": 3600,
	"podAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/marmot-s3-reader"},
	"runs": [
		{"postgresql": {"host": "db.example.com", "port": 5432, "database": "production", "user": "readonly"}},
		{"s3": {"bucket": "my-data-lake", "region": "eu-west-1"}},
	],
}

denied(s) := {v.policy | some v in d} if d := deny with input as request(s)

warned(s) := {v.policy | some v in w} if w := warn with input as request(s)

fields(set, policy) := {v.field | some v in set; v.policy == policy}

test_seed_example_passes if {
	count(deny) == 0 with input as request(seed_spec)
	count(warn) == 0 with input as request(seed_spec)
}

test_every_violation_is_complete if {
	bad := object.union(seed_spec, {"schedule": "61 * * * *", "runs": [{"a": {"token": "x"}, "b": {}}]})
	d := deny with input as request(bad)
	count(d) > 0
	every v in d {
		is_string(v.msg)
		is_string(v.field)
		is_string(v.policy)
	}
}

test_nothing_on_delete if {
	inp := object.union(request({"runs": [{"a": {"password": "x"}}]}), {"operation": "DELETE"})
	count(deny) == 0 with input as inp
	count(patch) == 0 with input as inp
}

test_nothing_while_deleting if {
	inp := object.union(request({"runs": [{"a": {"password": "x"}}]}), {
		"operation": "UPDATE",
		"object": {"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}},
	})
	count(deny) == 0 with input as inp
}
