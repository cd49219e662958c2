package weir.runs

# A scheduled Run becomes a CronJob. Its schedule is checked here as
# Kubernetes parses it (robfig/cron ParseStandard), so a mistake is refused
# with the reason instead of surfacing as a CronJob the API server rejects.

deny contains v if {
	spec.schedule != ""
	problem := schedule_problem(spec.schedule)
	problem != ""
	v := {
		"policy": "runs.schedule",
		"field": "spec.schedule",
		"msg": sprintf("%q is not a valid cron schedule: %s", [spec.schedule, problem]),
	}
}

deny contains v if {
	tz := spec.timeZone
	not known_zone(tz)
	v := {
		"policy": "runs.time-zone",
		"field": "spec.timeZone",
		"msg": sprintf("%v is not an IANA time zone; use a name such as \"Europe/London\" or \"UTC\"", [json.marshal(tz)]),
	}
}

cron_macros := {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

cron_fields := [
	{"name": "minute", "min": 0, "max": 59, "names": {}, "hint": ""},
	{"name": "hour", "min": 0, "max": 23, "names": {}, "hint": ""},
	{"name": "day of month", "min": 1, "max": 31, "names": {}, "hint": ""},
	{"name": "month", "min": 1, "max": 12, "hint": " or JAN-DEC", "names": {
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}},
	{"name": "day of week", "min": 0, "max": 6, "hint": " or SUN-SAT", "names": {
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}},
]

# schedule_problem(s) says what is wrong with schedule s; "" when s is a
# schedule Kubernetes accepts (not undefined, so that OPA remembers the
# answer: most schedules are valid, and checking one is ~40 expressions).
schedule_problem(s) := "it must be a string" if {
	not is_string(s)
} else := "@every intervals are not allowed (the CronJob syntax Kubernetes documents is five fields or a macro); write the interval as five fields, e.g. \"*/15 * * * *\"" if {
	startswith(s, "@every")
} else := "set the zone in spec.timeZone, not with TZ= or CRON_TZ= in the schedule" if {
	contains(s, "TZ")
} else := sprintf("unknown macro; use one of %s or five fields", [concat(", ", sort(cron_macros))]) if {
	startswith(s, "@")
	not s in cron_macros
} else := sprintf("it has %d fields; want 5: minute hour day-of-month month day-of-week", [count(cron_split(s))]) if {
	not startswith(s, "@")
	count(cron_split(s)) != 5
} else := concat("; ", bad) if {
	not startswith(s, "@")
	bad := [msg |
		some i, f in cron_split(s)
		not valid_cron_field(f, cron_fields[i])
		msg := cron_field_problem(f, cron_fields[i])
	]
	count(bad) > 0
} else := ""

cron_split(s) := [f | some f in regex.split(`\s+`, trim_space(s)); f != ""]

cron_field_problem(f, fld) := sprintf("%s %q: use %d-%d%s, *, ranges a-b, steps /n and lists a,b", [
	fld.name, f, fld.min, fld.max, fld.hint,
])

# "*" first: it is most fields of most schedules.
valid_cron_field(f, fld) if {
	f == "*"
} else if {
	every e in split(f, ",") {
		valid_cron_expr(e, fld)
	}
}

valid_cron_expr(e, fld) if {
	parts := split(e, "/")
	count(parts) == 1
	valid_cron_range(parts[0], fld)
}

valid_cron_expr(e, fld) if {
	parts := split(e, "/")
	count(parts) == 2
	valid_cron_range(parts[0], fld)
	regex.match(`^[0-9]+$`, parts[1])
	to_number(parts[1]) > 0
}

valid_cron_range(r, _) if r in {"*", "?"}

valid_cron_range(r, fld) if cron_value(r, fld)

valid_cron_range(r, fld) if {
	bounds := split(r, "-")
	count(bounds) == 2
	cron_value(bounds[0], fld) <= cron_value(bounds[1], fld)
}

cron_value(t, fld) := n if {
	regex.match(`^[0-9]+$`, t)
	n := to_number(t)
	n >= fld.min
	n <= fld.max
}

cron_value(t, fld) := fld.names[lower(t)]

# known_zone is true for the zones Kubernetes accepts in a CronJob's
# timeZone: names from the IANA database (time.clock fails, and so is
# undefined, for any other), and neither "" nor "Local".
known_zone(tz) if {
	is_string(tz)
	tz != ""
	lower(tz) != "local"
	time.clock([0, tz])
}
