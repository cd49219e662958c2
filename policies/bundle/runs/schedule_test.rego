package weir.runs

valid_schedules := [
	"0 */6 * * *",
	"*/15 * * * *",
	"0 0 1 1 *",
	"30 2 * * MON-FRI",
	"0 9 * jan,Jul sun",
	"5/10 0-23/2 1,15 * ?",
	"  0   3  * * 0 ",
	"59 23 31 12 6",
	"@hourly",
	"@daily",
	"@weekly",
	"@monthly",
	"@yearly",
	"@annually",
	"@midnight",
]

invalid_schedules := {
	"60 * * * *": "minute",
	"* 24 * * *": "hour",
	"* * 0 * *": "day of month",
	"* * 32 * *": "day of month",
	"* * * 13 *": "month",
	"* * * * 7": "day of week",
	"* * * foo *": "month",
	"*/0 * * * *": "minute",
	"5-1 * * * *": "minute",
	"1-2-3 * * * *": "minute",
	"1,,2 * * * *": "minute",
	"* * * * MON-": "day of week",
	"a * * * *": "minute",
	"0 0 * * * *": "fields",
	"0 0 *": "fields",
	"@every 5m": "@every",
	"@often": "macro",
	"CRON_TZ=UTC 0 * * * *": "timeZone",
	"TZ=Europe/London 0 * * * *": "timeZone",
}

schedule_spec(s) := {"schedule": s, "activeDeadlineSeconds": 60, "runs": [{"s3": {"bucket": "b"}}]}

test_valid_schedules_pass if {
	every s in valid_schedules {
		not "runs.schedule" in denied(schedule_spec(s))
	}
}

test_invalid_schedules_denied_with_reason if {
	every s, reason in invalid_schedules {
		some v in deny with input as request(schedule_spec(s))
		v.policy == "runs.schedule"
		v.field == "spec.schedule"
		contains(v.msg, reason)
	}
}

test_schedule_message_names_every_bad_field if {
	some v in deny with input as request(schedule_spec("61 25 * * *"))
	v.msg == `"61 25 * * *" is not a valid cron schedule: minute "61": use 0-59, *, ranges a-b, steps /n and lists a,b; hour "25": use 0-23, *, ranges a-b, steps /n and lists a,b`
}

test_schedule_must_be_string if {
	"runs.schedule" in denied(schedule_spec(5))
}

test_no_schedule_is_fine if {
	not "runs.schedule" in denied({"runs": [{"s3": {}}]})
	not "runs.schedule" in denied({"schedule": "", "runs": [{"s3": {}}]})
}

test_known_time_zones_pass if {
	every tz in ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Etc/GMT+5"] {
		not "runs.time-zone" in denied(object.union(schedule_spec("@daily"), {"timeZone": tz}))
	}
}

test_unknown_time_zones_denied if {
	every tz in ["Mars/Olympus_Mons", "Local", "local", "", "Europe/../etc", 5] {
		some v in deny with input as request(object.union(schedule_spec("@daily"), {"timeZone": tz}))
		v.policy == "runs.time-zone"
		v.field == "spec.timeZone"
		contains(v.msg, "not an IANA time zone")
	}
}
