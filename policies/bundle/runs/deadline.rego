package weir.runs

# A warning, not a denial: a scheduled Run without a deadline can hang, and
# with concurrencyPolicy Forbid (the default) a hung Job skips every later
# run until someone notices.

warn contains v if {
	spec.schedule != ""
	not spec.activeDeadlineSeconds
	v := {
		"policy": "runs.deadline",
		"field": "spec.activeDeadlineSeconds",
		"msg": "a scheduled Run without a deadline can hang and, with concurrencyPolicy Forbid, hold back every later run; set one, e.g. activeDeadlineSeconds: 3600",
	}
}
